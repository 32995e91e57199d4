using Microsoft.AspNetCore.Identity;

namespace OmniChat.Core.Identity;

/// <summary>A person who signs in to the portal: an agent, a tenant admin or a platform operator. Users are platform-wide;
/// what they may do in a tenant comes from their <see cref="Membership"/>.</summary>
public sealed class User : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Platform-level roles (Identity roles). Tenant-level roles live on <see cref="Membership"/>.</summary>
public static class PlatformRoles
{
    /// <summary>Runs the platform from the operator console.</summary>
    public const string Operator = "operator";
}
