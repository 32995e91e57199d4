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
        ArgumentNullException.ThrowIfNull(secrets);
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Signature(body, timestamp, secret));
        }
        return header.ToString();
    }

    /// <summary>
    /// The receiver's check (the documented recipe): the header's timestamp is within <paramref name="tolerance"/> of
    /// <paramref name="now"/> and one of its <c>v1</c> values equals HMAC-SHA256(secret, "t.body"), compared in constant time.
    /// </summary>
    public static bool Verify(string body, string header, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(header);
        long? timestamp = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(','))
        {
            var (key, value) = part.IndexOf('=', StringComparison.Ordinal) is var i and > 0 ? (part[..i].Trim(), part[(i + 1)..].Trim()) : ("", "");
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1")
            {
                candidates.Add(value);
            }
        }
        if (timestamp is not { } ts || Math.Abs(now.ToUnixTimeSeconds() - ts) > tolerance.TotalSeconds)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Signature(body, ts, secret));
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(c), expected));
    }

    // hex(HMAC-SHA256(secret, "<timestamp>.<body>"))
    private static string Signature(string body, long timestamp, string secret) => Convert.ToHexStringLower(HMACSHA256.HashData(
        Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestamp}.{body}"))));
}
