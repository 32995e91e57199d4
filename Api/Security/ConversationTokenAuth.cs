using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Security;

/// <summary>Checks the conversation token of a visitor request against the route's conversation and tenant.</summary>
internal static class ConversationTokenAuth
{
    public static async Task<TenantInfo> RequireAsync(HttpContext http, ConversationTokens tokens, ITenantContext tenants, Guid conversationId)
    {
        // The tenant strategy has usually verified the token already (ConversationPrincipal); validate it here otherwise.
        var claims = http.Features.Get<ConversationPrincipal>() is { } verified
            ? new ConversationTokenClaims(verified.TenantId, verified.ConversationId)
            : http.Request.BearerToken() is { } token ? await tokens.ValidateAsync(token) : null;
        if (claims is null)
        {
            throw new UnauthorizedException("invalid_token", "A valid conversation token is required.");
        }
        var tenant = tenants.RequireTenant();
        if (claims.TenantId != tenant.Id || claims.ConversationId != conversationId)
        {
            throw new UnauthorizedException("invalid_token", "The token is not valid for this conversation.");
        }
        return tenant;
    }
}
