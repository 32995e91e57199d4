using Microsoft.AspNetCore.Authorization;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>The portal's authorization policies; every page names one (<c>[Authorize(Policy = …)]</c>).</summary>
public static class PortalPolicies
{
    /// <summary>An active member of the signed-in tenant (any role).</summary>
    public const string Member = "member";

    /// <summary>A member who may claim, answer and close support chats (<c>canManageSupportChats</c>).</summary>
    public const string SupportAgent = "support-agent";

    /// <summary>An owner or admin of the signed-in tenant.</summary>
    public const string TenantAdmin = "tenant-admin";

    /// <summary>A platform operator (Identity role <c>operator</c>), for the operator console.</summary>
    public const string Operator = "operator";

    public static AuthorizationBuilder AddPortalPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Member, p => p.RequireAuthenticatedUser().RequireClaim(PortalClaims.Role))
        .AddPolicy(SupportAgent, p => p.RequireAuthenticatedUser().RequireClaim(PortalClaims.ManagesSupportChats, "true"))
        .AddPolicy(TenantAdmin, p => p.RequireAuthenticatedUser()
            .RequireClaim(PortalClaims.Role, nameof(MembershipRole.Owner), nameof(MembershipRole.Admin)))
        .AddPolicy(Operator, p => p.RequireAuthenticatedUser().RequireRole(PlatformRoles.Operator));
}
