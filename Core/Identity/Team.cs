using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Identity;

/// <summary>Why the team refused a change.</summary>
public enum TeamRefusal
{
    /// <summary>Only owners and admins manage the team.</summary>
    AdminOnly,

    /// <summary>Only an owner changes an owner or makes someone an owner.</summary>
    OwnerOnly,

    /// <summary>The workspace's last active owner would stop being one.</summary>
    LastOwner,

    /// <summary>A member tried to deactivate themselves.</summary>
    DeactivateSelf,

    /// <summary>No such member or Telegram agent in this workspace.</summary>
    NotFound,
}

/// <summary>A team change the rules refuse, with a message for the person who asked. (Portal-only: no API problem code.)</summary>
public sealed class TeamChangeRefusedException(TeamRefusal refusal, string message) : Exception(message)
{
    /// <summary>Which rule refused it.</summary>
    public TeamRefusal Refusal { get; } = refusal;
}

/// <summary>A member of the tenant as the team page lists them, with the Telegram agents linked to their user.</summary>
public sealed record TeamMember(Membership Membership, IReadOnlyList<TelegramAgent> TelegramAgents);

/// <summary>
/// The tenant's team: members' roles, their permission to answer support chats, deactivation and the Telegram agent
/// identities linked to them, with the rules that keep a workspace runnable (only an owner changes an owner; the last
/// active owner stays an active owner; nobody deactivates themselves). Every change is audited. Runs in the current
/// tenant's scope; <paramref name="db"/> is the tenant's context.
/// </summary>
public sealed class Team(OmniChatDbContext db, ITenantContext tenants, TimeProvider time)
{
    /// <summary>Every member (active first, then by agent name), with the Telegram agents linked to each.</summary>
    public async Task<IReadOnlyList<TeamMember>> ListAsync(CancellationToken cancellationToken)
    {
        var members = await db.Memberships.AsNoTracking().OrderBy(m => m.DisabledAt != null).ThenBy(m => m.AgentName).ToListAsync(cancellationToken);
        var linked = await db.TelegramAgents.AsNoTracking().Where(a => a.UserId != null).OrderBy(a => a.Name).ToListAsync(cancellationToken);
        return [.. members.Select(m => new TeamMember(m, [.. linked.Where(a => a.UserId == m.UserId)]))];
    }

    /// <summary>The tenant's agents known from Telegram (support-group members who have acted), by name.</summary>
    public async Task<IReadOnlyList<TelegramAgent>> TelegramAgentsAsync(CancellationToken cancellationToken) =>
        await db.TelegramAgents.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken);

    /// <summary>Gives a member another role; only an owner grants or takes the owner role, and the last active owner stays one.</summary>
    public async Task ChangeRoleAsync(Guid membershipId, MembershipRole role, PortalMembership by, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(actor);
        RequireAdmin(by);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockOwnersAsync(cancellationToken);
        var member = await FindAsync(membershipId, cancellationToken);
        if (member.Role == role)
        {
            return;
        }
        if ((member.Role == MembershipRole.Owner || role == MembershipRole.Owner) && by.Role != MembershipRole.Owner)
        {
            throw OwnerOnly();
        }
        if (member.Role == MembershipRole.Owner && member.DisabledAt is null && await ActiveOwnersAsync(cancellationToken) <= 1)
        {
            throw LastOwner("demoted");
        }
        var from = member.Role;
        member.Role = role;
        await SaveAsync(member, "member.role_changed", new Dictionary<string, object?> { ["from"] = from.ToString(), ["to"] = role.ToString() },
            actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Allows or stops a member claiming and answering support chats (<c>canManageSupportChats</c>).</summary>
    public async Task SetSupportChatsAsync(Guid membershipId, bool allowed, PortalMembership by, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(actor);
        RequireAdmin(by);
        var member = await FindAsync(membershipId, cancellationToken);
        if (member.CanManageSupportChats == allowed)
        {
            return;
        }
        if (member.Role == MembershipRole.Owner && by.Role != MembershipRole.Owner)
        {
            throw OwnerOnly();
        }
        member.CanManageSupportChats = allowed;
        await SaveAsync(member, "member.permission_changed", new Dictionary<string, object?> { ["canManageSupportChats"] = allowed },
            actor, cancellationToken);
    }

    /// <summary>Deactivates a member (they can no longer open the workspace) or reactivates them.</summary>
    public async Task SetActiveAsync(Guid membershipId, bool active, PortalMembership by, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(actor);
        RequireAdmin(by);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockOwnersAsync(cancellationToken);
        var member = await FindAsync(membershipId, cancellationToken);
        if ((member.DisabledAt is null) == active)
        {
            return;
        }
        if (member.Role == MembershipRole.Owner && by.Role != MembershipRole.Owner)
        {
            throw OwnerOnly();
        }
        if (!active && member.Id == by.MembershipId)
        {
            throw new TeamChangeRefusedException(TeamRefusal.DeactivateSelf, "You cannot deactivate yourself; another owner or admin can.");
        }
        if (!active && member.Role == MembershipRole.Owner && await ActiveOwnersAsync(cancellationToken) <= 1)
        {
            throw LastOwner("deactivated");
        }
        if (active)
        {
            await MemberSeats.EnsureFreeAsync(db, member.TenantId, cancellationToken);
        }
        member.DisabledAt = active ? null : time.GetUtcNow();
        await SaveAsync(member, active ? "member.reactivated" : "member.deactivated", null, actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Links a Telegram agent to a member (or unlinks it, <paramref name="membershipId"/> null): a linked agent's claims and
    /// replies in the support group are made under the member's agent name.
    /// </summary>
    public async Task LinkTelegramAgentAsync(Guid telegramAgentId, Guid? membershipId, PortalMembership by, AuditActor actor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(actor);
        RequireAdmin(by);
        var agent = await db.TelegramAgents.SingleOrDefaultAsync(a => a.Id == telegramAgentId, cancellationToken)
            ?? throw new TeamChangeRefusedException(TeamRefusal.NotFound, "The Telegram agent does not exist.");
        var member = membershipId is { } id ? await FindAsync(id, cancellationToken) : null;
        if (agent.UserId == member?.UserId)
        {
            return;
        }
        var now = time.GetUtcNow();
        agent.UserId = member?.UserId;
        var entry = AuditEntry.Create(actor, member is null ? "telegram_agent.unlinked" : "telegram_agent.linked", "telegram_agent", agent.Id.ToString(),
            now, new Dictionary<string, object?> { ["telegramUserId"] = agent.TelegramUserId, ["membershipId"] = member?.Id });
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
    }

    // The acting membership must be of this scope's tenant: an admin of another workspace is nobody here.
    private void RequireAdmin(PortalMembership by)
    {
        if (by.Tenant.Id != tenants.RequireTenant().Id || !by.IsAdmin)
        {
            throw new TeamChangeRefusedException(TeamRefusal.AdminOnly, "Only owners and admins manage the team.");
        }
    }

    private async Task<Membership> FindAsync(Guid membershipId, CancellationToken cancellationToken) =>
        await db.Memberships.SingleOrDefaultAsync(m => m.Id == membershipId, cancellationToken)
        ?? throw new TeamChangeRefusedException(TeamRefusal.NotFound, "The member does not exist in this workspace.");

    // Owner changes in one tenant run one at a time, so two owners demoting each other cannot leave the workspace without one.
    private async Task LockOwnersAsync(CancellationToken cancellationToken)
    {
        var tenantId = tenants.RequireTenant().Id;
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM memberships WHERE tenant_id = {tenantId} AND role = 'Owner' FOR UPDATE", cancellationToken);
    }

    private Task<int> ActiveOwnersAsync(CancellationToken cancellationToken) =>
        db.Memberships.CountAsync(m => m.Role == MembershipRole.Owner && m.DisabledAt == null, cancellationToken);

    private async Task SaveAsync(Membership member, string action, Dictionary<string, object?>? details, AuditActor actor, CancellationToken cancellationToken)
    {
        db.AuditEntries.Add(AuditEntry.Create(actor, action, "membership", member.Id.ToString(), time.GetUtcNow(), details));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static TeamChangeRefusedException OwnerOnly() => new(TeamRefusal.OwnerOnly, "Only an owner can change an owner, or make someone an owner.");

    private static TeamChangeRefusedException LastOwner(string what) =>
        new(TeamRefusal.LastOwner, $"The workspace's last active owner cannot be {what}; make someone else an owner first.");
}
