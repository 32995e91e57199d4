using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OmniChat.Core.Security;

namespace OmniChat.Core.Webhooks;

/// <summary>
/// Webhook secrets and signatures. A subscription's secret is <c>whsec_</c> + base64url(HMAC-SHA256(platform webhook
/// key, "webhook:{subscription id}:{version}")), so the database holds no secret at all and rotation is a version bump.
/// Each delivery carries <c>OmniChat-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>,
/// with one more <c>v1=</c> for the previous secret while a rotation overlaps (docs/webhooks.md).
/// </summary>
public sealed class WebhookSigning
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "OmniChat-Signature";

    /// <summary>The event id header (the same on every attempt; receivers deduplicate on it).</summary>
    public const string EventIdHeader = "OmniChat-Event-Id";

    private readonly byte[] _platformKey;

    public WebhookSigning(IOptions<SecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _platformKey = Encoding.UTF8.GetBytes(options.Value.WebhookSigningKey
            ?? throw new InvalidOperationException("WEBHOOK_SIGNING_KEY is not configured."));
    }

    /// <summary>The secret of <paramref name="subscriptionId"/> at <paramref name="version"/>.</summary>
    public string Secret(Guid subscriptionId, int version) =>
        "whsec_" + Base64Url.EncodeToString(HMACSHA256.HashData(_platformKey,
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"webhook:{subscriptionId:N}:{version}"))));

    /// <summary>The signature header value for <paramref name="body"/> at <paramref name="timestamp"/>, one <c>v1</c> per secret.</summary>
    public static string Sign(string body, long timestamp, params string[] secrets)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secrets);
        return TimestampedSignature.Sign(body, timestamp, secrets);
    }

    /// <summary>
    /// The receiver's check (the documented recipe): the header's timestamp is within <paramref name="tolerance"/> of
    /// <paramref name="now"/> and one of its <c>v1</c> values equals HMAC-SHA256(secret, "t.body"), compared in constant time.
    /// </summary>
    public static bool Verify(string body, string header, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(header);
        return TimestampedSignature.Check(Encoding.UTF8.GetBytes(body), header, secret, now, tolerance) == SignatureCheck.Valid;
    }
}
