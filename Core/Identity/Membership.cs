using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Identity;

/// <summary>A user's place in one tenant.</summary>
public sealed class Membership : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid UserId { get; set; }

    public MembershipRole Role { get; set; }

    /// <summary>May claim, answer and close support chats (seed 003's permission).</summary>
    public bool CanManageSupportChats { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Role of a member in a tenant.</summary>
public enum MembershipRole
{
    Owner,
    Admin,
    Agent,
}
