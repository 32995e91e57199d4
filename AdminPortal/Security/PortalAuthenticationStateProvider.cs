using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// Re-checks an open circuit's user every minute: the security stamp (a password change or sign-out everywhere ends
/// other sessions) and the membership (removed, deactivated, role or permission changed). A circuit that fails is
/// signed out of the page, which then sends the person to sign in or choose again.
/// </summary>
internal sealed class PortalAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var principal = authenticationState.User;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = await users.GetUserAsync(principal);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return false;
        }
        if (principal.FindFirst(options.Value.ClaimsIdentity.SecurityStampClaimType)?.Value != await users.GetSecurityStampAsync(user))
        {
            return false;
        }
        if (PortalClaims.TenantIdOf(principal) is not { } tenantId)
        {
            return true;
        }
        var membership = await scope.ServiceProvider.GetRequiredService<MembershipDirectory>().FindAsync(user.Id, tenantId, cancellationToken);
        return membership is not null
            && principal.HasClaim(PortalClaims.Role, membership.Role.ToString())
            && principal.HasClaim(PortalClaims.ManagesSupportChats, membership.CanManageSupportChats ? "true" : "false");
    }
}
