using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Identity;

/// <summary>A user's place in one tenant.</summary>
public sealed class Membership : ITenantOwned
{
    /// <summary>Longest <see cref="AgentName"/> (the API's and Telegram agents' names share it).</summary>
    public const int MaxAgentNameLength = 200;

    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid UserId { get; set; }

    public MembershipRole Role { get; set; }

    /// <summary>May claim, answer and close support chats (seed 003's permission).</summary>
    public bool CanManageSupportChats { get; set; }

    /// <summary>
    /// The name this member claims and replies under (<c>claimed_by</c>, a message's agent), unique in the tenant. A
    /// Telegram agent linked to this member's user acts under the same name, so a claim made in the support group is
    /// theirs in the portal too.
    /// </summary>
    public required string AgentName { get; set; }

    /// <summary>When an admin deactivated the membership: the member can no longer open the tenant.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Role of a member in a tenant.</summary>
public enum MembershipRole
{
    Owner,
    Admin,
    Agent,
}
