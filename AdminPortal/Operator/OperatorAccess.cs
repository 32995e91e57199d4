using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Platform;

namespace OmniChat.AdminPortal.Operator;

/// <summary>
/// The server-side check every operator console action makes (never only the page's policy or a hidden button): the
/// circuit's user must satisfy <see cref="PortalPolicies.Operator"/> now. Gives the operator the Core services name in
/// their logs and audit entries.
/// </summary>
internal sealed class OperatorAccess(AuthenticationStateProvider authentication, IAuthorizationService authorization)
{
    /// <summary>The signed-in operator, or <see cref="PortalAccessDeniedException"/>.</summary>
    public async Task<PlatformOperator> RequireOperatorAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        var allowed = await authorization.AuthorizeAsync(user, PortalPolicies.Operator);
        if (!allowed.Succeeded || PortalClaims.UserIdOf(user) is not { } userId)
        {
            throw new PortalAccessDeniedException("Only platform operators may do this.");
        }
        return new PlatformOperator(userId, user.FindFirstValue(ClaimTypes.Name) ?? userId.ToString());
    }
}
