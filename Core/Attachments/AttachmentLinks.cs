using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OmniChat.Core.Security;

namespace OmniChat.Core.Attachments;

/// <summary>A signed download link's query and when it stops working.</summary>
public sealed record SignedAttachmentLink(string PathAndQuery, DateTimeOffset ExpiresAt);

/// <summary>
/// Short-lived download links: <c>/attachments/{id}?t={tenant}&amp;exp={unix seconds}&amp;sig={HMAC-SHA256}</c> over the
/// tenant, the attachment and the expiry, so a link opens exactly one attachment of one tenant until it expires. The key
/// is <c>Attachments:SigningKey</c>, or derived from the conversation token secret with HKDF (ADR 0028).
/// </summary>
public sealed class AttachmentLinks
{
    private const string Version = "v1";
    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public AttachmentLinks(IOptions<AttachmentOptions> options, IOptions<SecurityOptions> security, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(security);
        _key = options.Value.SigningKey is { Length: > 0 } configured
            ? Encoding.UTF8.GetBytes(configured)
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(security.Value.ConversationJwtSecret
                    ?? throw new InvalidOperationException("Attachment links need Attachments:SigningKey or the conversation token secret.")),
                32, salt: [], info: "omnichat attachment links v1"u8.ToArray());
        _lifetime = options.Value.LinkLifetime;
        _time = time;
    }

    /// <summary>A link to <paramref name="attachmentId"/> of <paramref name="tenantId"/>, valid for the configured lifetime.</summary>
    public SignedAttachmentLink Create(Guid tenantId, Guid attachmentId)
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().Add(_lifetime).ToUnixTimeSeconds());
        var exp = expires.ToUnixTimeSeconds();
        return new SignedAttachmentLink(
            $"/attachments/{attachmentId}?t={tenantId:N}&exp={exp.ToString(CultureInfo.InvariantCulture)}&sig={Base64Url.EncodeToString(Sign(tenantId, attachmentId, exp))}",
            expires);
    }

    /// <summary>
    /// Whether the link's parts were signed here and have not expired (a constant-time comparison); false for anything
    /// malformed.
    /// </summary>
    public bool Verify(Guid attachmentId, string? tenant, string? exp, string? sig)
    {
        if (!Guid.TryParseExact(tenant, "N", out var tenantId)
            || !long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || sig is not { Length: 43 })
        {
            return false;
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        // Expired, or further ahead than any link this service makes: no use.
        if (expiry <= now || expiry > now + (long)_lifetime.TotalSeconds + 60)
        {
            return false;
        }
        // Compared as the canonical text, so a second spelling of the same bytes (the last character's unused bits) is no link.
        var expected = Base64Url.EncodeToString(Sign(tenantId, attachmentId, expiry));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sig), Encoding.ASCII.GetBytes(expected));
    }

    private byte[] Sign(Guid tenantId, Guid attachmentId, long exp) =>
        HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes($"{Version}\n{tenantId:N}\n{attachmentId:N}\n{exp.ToString(CultureInfo.InvariantCulture)}"));
}
