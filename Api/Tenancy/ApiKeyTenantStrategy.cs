using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// Resolves the tenant from <c>Authorization: Bearer ock_…</c>: the key is hashed and looked up through the
/// <c>resolve_api_key</c> function; a revoked or expired key resolves nothing. The key found is kept on the request
/// (<see cref="ApiKeyPrincipal"/>) for scope checks.
/// </summary>
internal sealed class ApiKeyTenantStrategy(TimeProvider time, ApiKeyUsage usage) : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http || http.Request.BearerToken() is not { } key || !ApiKeySecret.LooksLikeKey(key))
        {
            return null;
        }

        var resolved = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(key), cancellationToken);
        if (resolved is null || !resolved.IsUsableAt(time.GetUtcNow()))
        {
            return null;
        }

        http.Features.Set(new ApiKeyPrincipal(resolved.ApiKeyId, resolved.Scopes, resolved.ExpiresAt));
        await usage.TouchAsync(resolved.Tenant.Id, resolved.ApiKeyId, cancellationToken);
        return resolved.Tenant;
    }
}

/// <summary>The API key a request authenticated with: its scopes and expiry bound what it may grant.</summary>
internal sealed record ApiKeyPrincipal(Guid ApiKeyId, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt);
