using System.Security.Claims;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// Claims of a portal principal. Only <see cref="TenantId"/> is stored in the cookie (the tenant the user chose); the
/// others are added on every request and circuit from the membership as it is in the database now
/// (<see cref="MembershipClaimsTransformation"/>), so a changed role or a deactivated member takes effect at once.
/// </summary>
public static class PortalClaims
{
    public const string TenantId = "omnichat:tenant";
    public const string Role = "omnichat:role";
    public const string ManagesSupportChats = "omnichat:chats";

    /// <summary>Claims this portal derives from the database (never trusted from a cookie).</summary>
    internal static readonly string[] Derived = [Role, ManagesSupportChats];

    public static Guid? UserIdOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static Guid? TenantIdOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(TenantId), out var id) ? id : null;
}
