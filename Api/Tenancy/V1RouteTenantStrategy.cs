using Microsoft.Extensions.Options;
using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// The frozen v1 API always serves the <c>default</c> tenant. The route proves nothing about the caller, so the v1
/// credential is verified here too and kept on the request: a conversation token of the default tenant
/// (<see cref="ConversationPrincipal"/>) or the service token (<see cref="ServiceTokenPrincipal"/>). Requests without
/// either are anonymous (rate limits charge their IP only).
/// </summary>
internal sealed class V1RouteTenantStrategy(ConversationTokens tokens, IOptions<SecurityOptions> security) : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http || !http.Request.Path.StartsWithSegments("/v1"))
        {
            return null;
        }
        var tenant = await store.FindByIdentifierAsync(Tenant.DefaultIdentifier, cancellationToken);
        if (tenant is null || http.Request.BearerToken() is not { } bearer)
        {
            return tenant;
        }
        if (security.Value.IsServiceToken(bearer))
        {
            http.Features.Set(new ServiceTokenPrincipal());
        }
        else if (!ApiKeySecret.LooksLikeKey(bearer) && await tokens.ValidateAsync(bearer) is { } claims && claims.TenantId == tenant.Id)
        {
            http.Features.Set(new ConversationPrincipal(claims.TenantId, claims.ConversationId));
        }
        return tenant;
    }
}

/// <summary>A v1 admin request that presented the service token.</summary>
internal sealed record ServiceTokenPrincipal;
