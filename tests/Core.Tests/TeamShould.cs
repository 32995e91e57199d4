using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>The team rules that keep a workspace runnable: only an owner changes an owner, the last active owner stays one, and every change is audited.</summary>
public sealed class TeamShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task KeepTheLastActiveOwnerAnActiveOwner()
    {
        var tenant = await NewTenantAsync();
        var owner = await AddMemberAsync(tenant, MembershipRole.Owner);
        var admin = await AddMemberAsync(tenant, MembershipRole.Admin);

        var demote = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenant, t => t.ChangeRoleAsync(owner.MembershipId, MembershipRole.Admin, owner, Actor, Ct)));
        var byAdmin = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenant, t => t.SetActiveAsync(owner.MembershipId, false, admin, Actor, Ct)));
        await Run(tenant, t => t.ChangeRoleAsync(admin.MembershipId, MembershipRole.Owner, owner, Actor, Ct));
        await Run(tenant, t => t.ChangeRoleAsync(owner.MembershipId, MembershipRole.Agent, owner, Actor, Ct));

        Assert.Equal(TeamRefusal.LastOwner, demote.Refusal);
        Assert.Equal(TeamRefusal.OwnerOnly, byAdmin.Refusal);
        Assert.Equal(MembershipRole.Agent, (await MembershipAsync(owner.MembershipId)).Role);
        Assert.Equal(MembershipRole.Owner, (await MembershipAsync(admin.MembershipId)).Role);
    }

    [Fact]
    public async Task LetOnlyAnOwnerMakeAnOwnerAndNobodyDeactivateThemselves()
    {
        var tenant = await NewTenantAsync();
        await AddMemberAsync(tenant, MembershipRole.Owner);
        var admin = await AddMemberAsync(tenant, MembershipRole.Admin);
        var agent = await AddMemberAsync(tenant, MembershipRole.Agent);

        var promote = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenant, t => t.ChangeRoleAsync(agent.MembershipId, MembershipRole.Owner, admin, Actor, Ct)));
        var self = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenant, t => t.SetActiveAsync(admin.MembershipId, false, admin, Actor, Ct)));
        var byAgent = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenant, t => t.SetSupportChatsAsync(admin.MembershipId, false, agent, Actor, Ct)));
        await Run(tenant, t => t.SetActiveAsync(agent.MembershipId, false, admin, Actor, Ct));

        Assert.Equal(TeamRefusal.OwnerOnly, promote.Refusal);
        Assert.Equal(TeamRefusal.DeactivateSelf, self.Refusal);
        Assert.Equal(TeamRefusal.AdminOnly, byAgent.Refusal);
        Assert.NotNull((await MembershipAsync(agent.MembershipId)).DisabledAt);
    }

    [Fact]
    public async Task ReactivateAMemberOnlyWhileThePlanHasAFreeSeat()
    {
        var tenant = await NewTenantAsync(Plan.FreeId); // 2 active members
        var owner = await AddMemberAsync(tenant, MembershipRole.Owner);
        var agent = await AddMemberAsync(tenant, MembershipRole.Agent);
        await Run(tenant, t => t.SetActiveAsync(agent.MembershipId, false, owner, Actor, Ct));
        await AddMemberAsync(tenant, MembershipRole.Agent); // takes the freed seat
        var other = await NewTenantAsync(Plan.FreeId);
        var otherOwner = await AddMemberAsync(other, MembershipRole.Owner);
        var otherAgent = await AddMemberAsync(other, MembershipRole.Agent);
        await Run(other, t => t.SetActiveAsync(otherAgent.MembershipId, false, otherOwner, Actor, Ct));

        var full = await Assert.ThrowsAsync<LimitExceededException>(() => Run(tenant, t => t.SetActiveAsync(agent.MembershipId, true, owner, Actor, Ct)));
        // Seats are counted per tenant: the other workspace's one free seat is its own.
        await Run(other, t => t.SetActiveAsync(otherAgent.MembershipId, true, otherOwner, Actor, Ct));

        Assert.Equal((402, "limit_exceeded", "agents", 2L, 2L), (full.Status, full.Code, full.Limit, full.Used, full.Max));
        Assert.NotNull((await MembershipAsync(agent.MembershipId)).DisabledAt);
        Assert.Null((await MembershipAsync(otherAgent.MembershipId)).DisabledAt);
    }

    [Fact]
    public async Task AuditEveryChangeWithTheActor()
    {
        var tenant = await NewTenantAsync();
        var owner = await AddMemberAsync(tenant, MembershipRole.Owner);
        var agent = await AddMemberAsync(tenant, MembershipRole.Agent);

        await Run(tenant, t => t.ChangeRoleAsync(agent.MembershipId, MembershipRole.Admin, owner, Actor, Ct));
        await Run(tenant, t => t.SetSupportChatsAsync(agent.MembershipId, false, owner, Actor, Ct));
        await Run(tenant, t => t.SetActiveAsync(agent.MembershipId, false, owner, Actor, Ct));
        await Run(tenant, t => t.SetActiveAsync(agent.MembershipId, true, owner, Actor, Ct));

        await using var system = _db.ForSystem();
        var actions = await system.AuditEntries.Where(a => a.TenantId == tenant.Id && a.TargetId == agent.MembershipId.ToString())
            .OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).Select(a => new { a.Action, a.Actor }).ToListAsync(Ct);
        Assert.Equal(["member.role_changed", "member.permission_changed", "member.deactivated", "member.reactivated"], actions.Select(a => a.Action));
        Assert.All(actions, a => Assert.Equal(Actor.Actor, a.Actor));
    }

    [Fact]
    public async Task NotFindAnotherTenantsMemberOrTelegramAgent()
    {
        var tenantA = await NewTenantAsync();
        var tenantB = await NewTenantAsync();
        var ownerA = await AddMemberAsync(tenantA, MembershipRole.Owner);
        var agentB = await AddMemberAsync(tenantB, MembershipRole.Agent);
        var telegramB = await AddTelegramAgentAsync(tenantB);

        var role = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.ChangeRoleAsync(agentB.MembershipId, MembershipRole.Admin, ownerA, Actor, Ct)));
        var support = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.SetSupportChatsAsync(agentB.MembershipId, false, ownerA, Actor, Ct)));
        var deactivate = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.SetActiveAsync(agentB.MembershipId, false, ownerA, Actor, Ct)));
        var link = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.LinkTelegramAgentAsync(telegramB, ownerA.MembershipId, ownerA, Actor, Ct)));
        var unlink = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.LinkTelegramAgentAsync(telegramB, null, ownerA, Actor, Ct)));

        TeamChangeRefusedException[] refusals = [role, support, deactivate, link, unlink];
        Assert.All(refusals, e => Assert.Equal(TeamRefusal.NotFound, e.Refusal));
        var untouched = await MembershipAsync(agentB.MembershipId);
        Assert.Equal((MembershipRole.Agent, true, (DateTimeOffset?)null), (untouched.Role, untouched.CanManageSupportChats, untouched.DisabledAt));
        await using var system = _db.ForSystem();
        Assert.Null((await system.TelegramAgents.AsNoTracking().SingleAsync(a => a.Id == telegramB, Ct)).UserId);
        Assert.False(await system.AuditEntries.AnyAsync(a => a.TenantId == tenantA.Id || a.TenantId == tenantB.Id, Ct));
    }

    [Fact]
    public async Task RefuseAnAdminOfAnotherTenantActingInThisOne()
    {
        var tenantA = await NewTenantAsync();
        var tenantB = await NewTenantAsync();
        await AddMemberAsync(tenantA, MembershipRole.Owner);
        var agentA = await AddMemberAsync(tenantA, MembershipRole.Agent);
        var ownerB = await AddMemberAsync(tenantB, MembershipRole.Owner);

        var refused = await Assert.ThrowsAsync<TeamChangeRefusedException>(() => Run(tenantA, t => t.SetSupportChatsAsync(agentA.MembershipId, false, ownerB, Actor, Ct)));

        Assert.Equal(TeamRefusal.AdminOnly, refused.Refusal);
        Assert.True((await MembershipAsync(agentA.MembershipId)).CanManageSupportChats);
    }

    private static readonly AuditActor Actor = new("user:" + Guid.NewGuid(), AuditActor.UserType, null);

    private async Task Run(TenantInfo tenant, Func<Team, Task> change)
    {
        await using var db = _db.ForTenant(tenant);
        await change(new Team(db, new TenantContext(tenant), TimeProvider.System));
    }

    private async Task<Membership> MembershipAsync(Guid id)
    {
        await using var system = _db.ForSystem();
        return await system.Memberships.AsNoTracking().SingleAsync(m => m.Id == id, Ct);
    }

    // A tenant of its own, so the seeded tenants' owners do not count.
    private async Task<TenantInfo> NewTenantAsync(string planId = Plan.BusinessId)
    {
        var now = DateTimeOffset.UtcNow;
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Identifier = "team-" + Guid.NewGuid().ToString("N")[..10], Name = "Team test", PlanId = planId,
            CreatedAt = now, UpdatedAt = now };
        await using var system = _db.ForSystem();
        system.Tenants.Add(tenant);
        await system.SaveChangesAsync(Ct);
        return tenant.ToInfo();
    }

    private async Task<Guid> AddTelegramAgentAsync(TenantInfo tenant)
    {
        var now = DateTimeOffset.UtcNow;
        var agent = new TelegramAgent { Id = Guid.CreateVersion7(), TenantId = tenant.Id, TelegramUserId = Random.Shared.NextInt64(1, long.MaxValue),
            Name = "Telegram agent", CreatedAt = now, LastSeenAt = now };
        await using var system = _db.ForSystem();
        system.TelegramAgents.Add(agent);
        await system.SaveChangesAsync(Ct);
        return agent.Id;
    }

    private async Task<PortalMembership> AddMemberAsync(TenantInfo tenant, MembershipRole role)
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7();
        var email = $"member-{id:N}@example.test";
        var membership = new Membership { Id = Guid.CreateVersion7(), TenantId = tenant.Id, UserId = id, Role = role, CanManageSupportChats = true,
            AgentName = "Member " + id.ToString("N")[^8..], CreatedAt = now };
        await using var system = _db.ForSystem();
        system.Users.Add(new User { Id = id, UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email,
            NormalizedEmail = email.ToUpperInvariant(), SecurityStamp = "stamp", CreatedAt = now });
        system.Memberships.Add(membership);
        await system.SaveChangesAsync(Ct);
        return new PortalMembership(tenant, membership.Id, role, true, membership.AgentName);
    }
}
