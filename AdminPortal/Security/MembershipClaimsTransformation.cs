using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// Turns the tenant the cookie names into the membership the database holds now: role and permission as claims, and the tenant of this scope (<see cref="PortalSession"/>). A tenant the user no longer belongs to (removed,
/// deactivated) is dropped from the principal, so tenant pages refuse and the user chooses again.
/// </summary>
internal sealed class MembershipClaimsTransformation(PortalSession session) : IClaimsTransformation
{
    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } identity)
        {
            return principal;
        }
        // Runs once per authentication, possibly more than once per request: start from the cookie's claims each time.
        var result = new ClaimsIdentity(identity.Claims.Where(c => !PortalClaims.Derived.Contains(c.Type)),
            identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);
        var membership = await session.LoadAsync(principal, CancellationToken.None);
        if (membership is null)
        {
            if (result.FindFirst(PortalClaims.TenantId) is { } stale)
            {
                result.RemoveClaim(stale);
            }
        }
        else
        {
            result.AddClaims(MembershipClaims(membership));
        }
        return new ClaimsPrincipal(result);
    }

    internal static IEnumerable<Claim> MembershipClaims(PortalMembership membership) =>
    [
        new(PortalClaims.Role, membership.Role.ToString()),
        new(PortalClaims.ManagesSupportChats, membership.CanManageSupportChats ? "true" : "false"),
    ];
}
