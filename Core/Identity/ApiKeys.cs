using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Identity;

/// <summary>What a new API key should be: its name, its scopes and when it stops working (never, when null).</summary>
public sealed record NewApiKey(string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>
/// Who hands out or revokes keys, and within which bounds: an API key passes on at most its own scopes for no longer
/// than it lives itself; a portal owner or admin (<see cref="TenantAdmin"/>) may grant and revoke anything.
/// </summary>
/// <param name="Scopes">The scopes it may grant or revoke; <see langword="null"/>: any.</param>
/// <param name="ExpiresAt">The latest expiry it may grant; <see langword="null"/>: any, including none.</param>
public sealed record ApiKeyGrantor(IReadOnlyCollection<string>? Scopes, DateTimeOffset? ExpiresAt)
{
    /// <summary>An owner or admin of the tenant (no calling key to bound what they grant).</summary>
    public static ApiKeyGrantor TenantAdmin { get; } = new(null, null);
}

/// <summary>A key just made, with its secret: shown this once and never stored.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret)
{
    /// <inheritdoc />
    public override string ToString() => $"CreatedApiKey {{ Id = {Key.Id}, Prefix = {Key.Prefix} }}";
}

/// <summary>
/// The tenant's API keys for every surface that manages them (API v2, portal): one implementation of the rules for
/// creating (name, scopes, expiry, what the grantor may pass on), listing (masked) and revoking, each change audited.
/// Runs in the current tenant's scope.
/// </summary>
public sealed class ApiKeys(OmniChatDbContext db, TimeProvider time)
{
    /// <summary>Longest key name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The tenant's keys, newest first (hashes are never shown; <see cref="ApiKey.Prefix"/> is the hint).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>
    /// Creates a key: <see cref="ValidationException"/> for a bad name, scopes or a past expiry; <c>scope_not_held</c> or
    /// <c>expiry_beyond_caller</c> (<see cref="ForbiddenException"/>) when it would outgrow <paramref name="grantor"/>.
    /// </summary>
    public async Task<CreatedApiKey> CreateAsync(NewApiKey request, ApiKeyGrantor grantor, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(grantor);
        ArgumentNullException.ThrowIfNull(actor);
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var name = FieldText.Required(request.Name, MaxNameLength, "name", errors);
        var scopes = request.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !ApiScopes.All.Contains(s)))
        {
            errors["scopes"] = [$"One or more of: {string.Join(", ", ApiScopes.All)}."];
        }
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            errors["expiresAt"] = ["Must be in the future."];
        }
        ValidationException.ThrowIfAny(errors);

        // A key passes on at most what it holds: its scopes, for no longer than it lives itself.
        if (grantor.Scopes is { } held && scopes.Except(held).ToList() is { Count: > 0 } beyond)
        {
            throw new ForbiddenException("scope_not_held", "A key cannot grant scopes it does not hold.") { Extensions = { ["scopes"] = beyond } };
        }
        if (grantor.ExpiresAt is { } callerExpires && (request.ExpiresAt is not { } requested || requested > callerExpires))
        {
            throw new ForbiddenException("expiry_beyond_caller", "A key cannot create a key that outlives it; set expiresAt at or before the caller's.")
            {
                Extensions = { ["maxExpiresAt"] = callerExpires },
            };
        }

        var secret = ApiKeySecret.Generate("live");
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            Prefix = ApiKeySecret.Prefix(secret),
            Hash = ApiKeySecret.Hash(secret),
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = request.ExpiresAt,
        };
        db.ApiKeys.Add(key);
        db.AuditEntries.Add(AuditEntry.Create(actor, "api_key.created", "api_key", key.Id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, secret);
    }

    /// <summary>
    /// Revokes a key at once (a no-op when it already is): <c>api_key_not_found</c> when the tenant has no such key,
    /// <c>key_broader_than_caller</c> when it holds scopes <paramref name="grantor"/> lacks.
    /// </summary>
    public async Task RevokeAsync(Guid id, ApiKeyGrantor grantor, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grantor);
        ArgumentNullException.ThrowIfNull(actor);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException("api_key_not_found", "The API key does not exist.");
        if (grantor.Scopes is { } held && key.Scopes.Except(held).ToList() is { Count: > 0 } broader)
        {
            throw new ForbiddenException("key_broader_than_caller", "A key cannot revoke a key with scopes it does not hold itself.")
            {
                Extensions = { ["scopes"] = broader },
            };
        }
        if (key.RevokedAt is null)
        {
            var now = time.GetUtcNow();
            key.RevokedAt = now;
            db.AuditEntries.Add(AuditEntry.Create(actor, "api_key.revoked", "api_key", key.Id.ToString(), now));
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
