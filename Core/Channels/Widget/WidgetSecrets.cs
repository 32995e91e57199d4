using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace OmniChat.Core.Channels.Widget;

/// <summary>
/// The widget's secrets: site keys (public names) and identity secrets (the tenant's server signs its user ids with one;
/// kept under Data Protection with a purpose per tenant, so a blob copied into another tenant's row opens nothing).
/// </summary>
public sealed class WidgetSecrets(IDataProtectionProvider provider)
{
    private const string Purpose = "OmniChat.Channels.Widget.IdentitySecret.v1";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly System.Buffers.SearchValues<char> AlphabetChars = System.Buffers.SearchValues.Create(Alphabet);

    /// <summary>A new site key: <c>wk_</c> and 24 random characters (143 bits).</summary>
    public static string NewSiteKey() => "wk_" + RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>Whether <paramref name="siteKey"/> has a site key's shape (checked before any look-up).</summary>
    public static bool LooksLikeSiteKey(string? siteKey) =>
        siteKey is { Length: 27 } && siteKey.StartsWith("wk_", StringComparison.Ordinal) && !siteKey.AsSpan(3).ContainsAnyExcept(AlphabetChars);

    /// <summary>A new identity secret: <c>wis_</c> and 40 random characters (238 bits).</summary>
    public static string NewIdentitySecret() => "wis_" + RandomNumberGenerator.GetString(Alphabet, 40);

    public string Protect(Guid tenantId, string identitySecret) => ProtectorFor(tenantId).Protect(identitySecret);

    public string Unprotect(Guid tenantId, string protectedSecret) => ProtectorFor(tenantId).Unprotect(protectedSecret);

    /// <summary>
    /// Whether <paramref name="userHash"/> is the lowercase or uppercase hex HMAC-SHA256 of <paramref name="userId"/>
    /// (UTF-8) under <paramref name="identitySecret"/>; compared in constant time.
    /// </summary>
    public static bool Verifies(string identitySecret, string userId, string? userHash)
    {
        ArgumentNullException.ThrowIfNull(identitySecret);
        ArgumentNullException.ThrowIfNull(userId);
        Span<byte> presented = stackalloc byte[32];
        if (userHash is not { Length: 64 } || Convert.FromHexString(userHash, presented, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != 32)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(identitySecret), Encoding.UTF8.GetBytes(userId), expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>What a site's server computes: hex HMAC-SHA256 of the user id with the identity secret.</summary>
    public static string Sign(string identitySecret, string userId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(identitySecret), Encoding.UTF8.GetBytes(userId)));

    private IDataProtector ProtectorFor(Guid tenantId) => provider.CreateProtector(Purpose, tenantId.ToString("N"));
}
