using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// Widget v2 routes (<c>/v2/widget/…</c>) are called by a visitor's browser with its conversation token: the tenant is
/// the token's verified <c>tid</c> claim. The claims found are kept on the request (<see cref="ConversationPrincipal"/>).
/// </summary>
internal sealed class ConversationTokenTenantStrategy(ConversationTokens tokens) : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http || !http.Request.Path.StartsWithSegments("/v2/widget")
            || http.Request.BearerToken() is not { } token || ApiKeySecret.LooksLikeKey(token)
            || await tokens.ValidateAsync(token) is not { } claims)
        {
            return null;
        }
        http.Features.Set(new ConversationPrincipal(claims.TenantId, claims.ConversationId));
        return await store.FindByIdAsync(claims.TenantId, cancellationToken);
    }
}

/// <summary>The conversation a widget request's token was issued for.</summary>
internal sealed record ConversationPrincipal(Guid TenantId, Guid ConversationId);
