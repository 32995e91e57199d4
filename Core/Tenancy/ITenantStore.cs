namespace OmniChat.Core.Tenancy;

/// <summary>
/// Looks tenants up before one is known. Implementations must not read tenant-owned tables directly: the application
/// role sees nothing there until a tenant is set, so look-ups go through narrow <c>SECURITY DEFINER</c> functions.
/// </summary>
public interface ITenantStore
{
    /// <summary>The tenant with this identifier (slug), or <see langword="null"/>.</summary>
    Task<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken);

    /// <summary>The tenant with this id, or <see langword="null"/>.</summary>
    Task<TenantInfo?> FindByIdAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The API key whose SHA-256 hash is <paramref name="hash"/>, with its tenant, or <see langword="null"/>.</summary>
    Task<ResolvedApiKey?> FindByApiKeyHashAsync(byte[] hash, CancellationToken cancellationToken);

    /// <summary>
    /// The tenant and conversation of the refresh token whose SHA-256 hash is <paramref name="hash"/>, or
    /// <see langword="null"/>. Whether the token is still good is for <c>RefreshTokenRotation</c> to judge.
    /// </summary>
    Task<ResolvedRefreshToken?> FindByRefreshTokenHashAsync(byte[] hash, CancellationToken cancellationToken);

    /// <summary>The Telegram channel with this id (its tenant, bot and webhook secret hashes), or <see langword="null"/>.</summary>
    Task<ResolvedTelegramWebhook?> FindTelegramWebhookAsync(Guid channelId, CancellationToken cancellationToken);

    /// <summary>The tenant whose website widget has this site key, or <see langword="null"/>.</summary>
    Task<TenantInfo?> FindBySiteKeyAsync(string siteKey, CancellationToken cancellationToken);
}

/// <summary>A Telegram channel's webhook, found by channel id before the secret header has been judged.</summary>
public sealed record ResolvedTelegramWebhook(
    Guid ChannelId,
    TenantInfo Tenant,
    long BotId,
    byte[] SecretHash,
    byte[]? PreviousSecretHash,
    DateTimeOffset? PreviousValidUntil)
{
    /// <summary>
    /// Whether <paramref name="presented"/> is the webhook's secret (or, until the overlap ends, the one before it).
    /// Compares SHA-256 hashes in constant time.
    /// </summary>
    public bool Accepts(string? presented, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 256)
        {
            return false;
        }
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(presented));
        var current = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(hash, SecretHash);
        var previous = PreviousSecretHash is not null && PreviousValidUntil > now
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(hash, PreviousSecretHash);
        return current | previous;
    }
}

/// <summary>A refresh token found by hash: the tenant and conversation it was issued for.</summary>
public sealed record ResolvedRefreshToken(TenantInfo Tenant, Guid ConversationId);

/// <summary>An API key found by hash, before its validity (expiry, revocation) has been judged.</summary>
public sealed record ResolvedApiKey(
    Guid ApiKeyId,
    TenantInfo Tenant,
    IReadOnlyList<string> Scopes,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>Whether the key may be used at <paramref name="now"/>.</summary>
    public bool IsUsableAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
