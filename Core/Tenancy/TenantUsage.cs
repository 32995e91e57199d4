using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Tenancy;

/// <summary>
/// One thing the plan limits: what the tenant uses (<see cref="Used"/>; null where nothing measures it yet) against
/// the plan's <see cref="Limit"/> (0: no limit).
/// </summary>
public sealed record UsageMeter(string Name, long? Used, long Limit, UsageUnit Unit);

/// <summary>How a meter's numbers read.</summary>
public enum UsageUnit
{
    /// <summary>A count (conversations, messages, agents).</summary>
    Count,

    /// <summary>Bytes.</summary>
    Bytes,

    /// <summary>Requests a minute.</summary>
    PerMinute,
}

/// <summary>The tenant's plan and its meters for the calendar month (UTC) that contains <see cref="At"/>.</summary>
public sealed record TenantUsageReport(Plan Plan, DateTimeOffset MonthStart, DateTimeOffset At, IReadOnlyList<UsageMeter> Meters);

/// <summary>
/// What the current tenant uses against its plan, counted from the database: conversations and messages started this
/// month (UTC), active agents, stored attachment bytes. The API rate is a limit only: nothing keeps the rate per tenant
/// past the current minute, so it has no <see cref="UsageMeter.Used"/>. Runs in the current tenant's scope.
/// </summary>
public sealed class TenantUsage(OmniChatDbContext db, ITenantContext tenants, TimeProvider time)
{
    /// <summary>Meter names, as shown.</summary>
    public const string Conversations = "Conversations this month", Messages = "Messages this month", Agents = "Agents",
        Storage = "Attachment storage", ApiRate = "API requests a minute", LargestFile = "Largest file";

    /// <summary>The plan and the meters now.</summary>
    public async Task<TenantUsageReport> ReadAsync(CancellationToken cancellationToken)
    {
        var tenant = tenants.RequireTenant();
        var now = time.GetUtcNow();
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var plan = await db.Plans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == tenant.PlanId, cancellationToken)
            ?? Plan.Defaults.Single(p => p.Id == Plan.FreeId);
        var conversations = await db.Conversations.CountAsync(c => c.CreatedAt >= monthStart, cancellationToken);
        var messages = await db.Messages.CountAsync(m => m.CreatedAt >= monthStart, cancellationToken);
        var agents = await db.Memberships.CountAsync(m => m.DisabledAt == null, cancellationToken);
        var storage = await db.Attachments.SumAsync(a => (long?)a.Size, cancellationToken) ?? 0;
        var largest = await db.Attachments.MaxAsync(a => (long?)a.Size, cancellationToken) ?? 0;
        return new TenantUsageReport(plan, monthStart, now,
        [
            new UsageMeter(Conversations, conversations, plan.ConversationsPerMonth, UsageUnit.Count),
            new UsageMeter(Messages, messages, plan.MessagesPerMonth, UsageUnit.Count),
            new UsageMeter(Agents, agents, plan.Agents, UsageUnit.Count),
            new UsageMeter(Storage, storage, plan.StorageBytes, UsageUnit.Bytes),
            new UsageMeter(LargestFile, largest, plan.AttachmentMaxBytes, UsageUnit.Bytes),
            new UsageMeter(ApiRate, null, plan.ApiRequestsPerMinute, UsageUnit.PerMinute),
        ]);
    }
}
