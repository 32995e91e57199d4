using Microsoft.Net.Http.Headers;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;
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
        if (context is not HttpContext http || !TryReadBearer(http.Request, out var key) || !ApiKeySecret.LooksLikeKey(key))
        {
            return null;
        }

        var resolved = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(key), cancellationToken);
        if (resolved is null || !resolved.IsUsableAt(time.GetUtcNow()))
        {
            return null;
        }

        http.Features.Set(new ApiKeyPrincipal(resolved.ApiKeyId, resolved.Scopes));
        await usage.TouchAsync(resolved.Tenant.Id, resolved.ApiKeyId, cancellationToken);
        return resolved.Tenant;
    }

    private static bool TryReadBearer(HttpRequest request, out string token)
    {
        token = BearerToken.From(request.Headers[HeaderNames.Authorization].ToString()) ?? "";
        return token.Length > 0;
    }
}

/// <summary>The API key a request authenticated with.</summary>
internal sealed record ApiKeyPrincipal(Guid ApiKeyId, IReadOnlyList<string> Scopes);
