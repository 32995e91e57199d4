using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Attachments;
using OmniChat.Core.Conversations;
using OmniChat.Core.Persistence;
using OmniChat.Core.RateLimiting;

namespace OmniChat.Core.Tenancy;

/// <summary>
/// One thing the plan limits (<see cref="Key"/>, the API's name; <see cref="Name"/>, as shown): what the tenant uses
/// (<see cref="Used"/>; null where the limit is checked per request and there is nothing to add up) against the plan's
/// <see cref="Limit"/> (0: no limit). Metered monthly limits also have the usage at which the tenant is warned
/// (<see cref="SoftLimit"/>).
/// </summary>
public sealed record UsageMeter(string Key, string Name, long? Used, long Limit, UsageUnit Unit, long? SoftLimit = null);

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

/// <summary>
/// The tenant's plan and its meters for the billing period (the calendar month, UTC) that contains <see cref="At"/>, when
/// the monthly meters reset, and the thresholds reached this period (<see cref="Usage.LimitNotice"/>, for the banner).
/// </summary>
public sealed record TenantUsageReport(Plan Plan, DateTimeOffset MonthStart, DateTimeOffset At, IReadOnlyList<UsageMeter> Meters)
{
    public DateTimeOffset ResetsAt => MonthStart.AddMonths(1);

    public IReadOnlyList<Usage.LimitNotice> Reached { get; init; } = [];
}

/// <summary>
/// What a tenant uses: conversations and messages (all, and since <paramref name="MonthStart"/>), open conversations,
/// active members, API keys not revoked, and attachment storage in bytes.
/// </summary>
public sealed record TenantActivity(int Conversations, int ConversationsThisMonth, int OpenConversations, int Messages, int MessagesThisMonth,
    int Members, int ApiKeys, long StorageBytes, DateTimeOffset MonthStart);

/// <summary>
/// What the current tenant uses against its plan, counted from the database: conversations and messages started this
/// month (UTC), active agents, stored attachment bytes. The API rate and the largest file are limits only: nothing keeps
/// the rate per tenant past the current minute, and every upload is checked against the per-file limit, so neither has a
/// <see cref="UsageMeter.Used"/>. Runs in the current tenant's scope; the operator console counts the same way
/// (<see cref="CountAsync"/>) in the system scope.
/// </summary>
public sealed class TenantUsage(OmniChatDbContext db, ITenantContext tenants, PlanCatalog plans, IOptions<AttachmentOptions> attachments,
    TimeProvider time)
{
    /// <summary>Meter names, as shown.</summary>
    public const string Conversations = "Conversations this month", Messages = "Messages this month", Agents = "Agents",
        Storage = "Attachment storage", ApiRate = "API requests a minute", LargestFile = "Largest file";

    /// <summary>The start of the calendar month (UTC) that contains <paramref name="at"/>: the period of the plans' monthly limits.</summary>
    public static DateTimeOffset MonthStart(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// The activity of the tenant <paramref name="tenantId"/> in one round trip (one statement of correlated counts), or
    /// null when <paramref name="db"/> does not see that tenant. <paramref name="db"/> is the tenant's own context (the
    /// usage page) or the system scope (the operator console); either way only that tenant's rows count.
    /// </summary>
    public static async Task<TenantActivity?> CountAsync(OmniChatDbContext db, Guid tenantId, DateTimeOffset monthStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = await Activity(db, db.Tenants.AsNoTracking().Where(t => t.Id == tenantId), monthStart).SingleOrDefaultAsync(cancellationToken);
        return row?.Activity;
    }

    private static IQueryable<TenantActivityRow> Activity(OmniChatDbContext db, IQueryable<Tenant> tenants, DateTimeOffset monthStart) =>
        tenants.Select(t => new TenantActivityRow(t.Id, t.PlanId, new TenantActivity(
            db.Conversations.Count(c => c.TenantId == t.Id),
            db.Conversations.Count(c => c.TenantId == t.Id && c.CreatedAt >= monthStart),
            db.Conversations.Count(c => c.TenantId == t.Id && c.Status == ConversationStatus.Open),
            db.Messages.Count(m => m.TenantId == t.Id),
            db.Messages.Count(m => m.TenantId == t.Id && m.CreatedAt >= monthStart),
            db.Memberships.Count(m => m.TenantId == t.Id && m.DisabledAt == null),
            db.ApiKeys.Count(k => k.TenantId == t.Id && k.RevokedAt == null),
            db.Attachments.Where(a => a.TenantId == t.Id).Sum(a => (long?)a.Size) ?? 0,
            monthStart)));

    /// <summary>
    /// The plan and the meters now: conversations and messages as metered this period (what the hard limit is checked
    /// against), members, storage; the per-file and API-rate limits as limits only.
    /// </summary>
    public async Task<TenantUsageReport> ReadAsync(CancellationToken cancellationToken)
    {
        var tenant = tenants.RequireTenant();
        var now = time.GetUtcNow();
        var monthStart = MonthStart(now);
        var period = Usage.UsageMeters.PeriodStart(now);
        // The plan as stored now (an operator's override or a billing change shows at once), not the cached look-up.
        var plan = await db.Tenants.AsNoTracking().Join(db.Plans.AsNoTracking(), t => t.PlanId, p => p.Id, (t, p) => p).SingleOrDefaultAsync(cancellationToken)
            ?? await plans.GetAsync(tenant.PlanId, cancellationToken);
        var usage = await CountAsync(db, tenant.Id, monthStart, cancellationToken)
            ?? throw new InvalidOperationException($"The tenant {tenant.Id} of this scope has no row.");
        var metered = await db.UsageCounters.AsNoTracking().Where(u => u.Day >= period)
            .GroupBy(u => u.Meter).Select(g => new { Meter = g.Key, Used = g.Sum(u => u.Count) })
            .ToDictionaryAsync(m => m.Meter, m => m.Used, cancellationToken);
        var reached = await db.LimitNotices.AsNoTracking().Where(n => n.PeriodStart == period)
            .OrderBy(n => n.ReachedAt).ToListAsync(cancellationToken);
        return new TenantUsageReport(plan, monthStart, now, Meters(plan, usage, metered, attachments.Value.MaxBytesFor(plan)))
        {
            Reached = reached,
        };
    }

    /// <summary>
    /// Every tenant's meters this period, read in the system scope <paramref name="db"/> with two statements (the
    /// activity of all tenants, and this period's metered counts grouped by tenant): the Workers' usage-of-limits gauge.
    /// The per-file limit is left at 0 (a limit only, nothing adds up to it).
    /// </summary>
    public static async Task<IReadOnlyList<(Guid TenantId, IReadOnlyList<UsageMeter> Meters)>> ReadAllAsync(OmniChatDbContext db, PlanCatalog plans,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(plans);
        var period = Usage.UsageMeters.PeriodStart(now);
        var activity = await Activity(db, db.Tenants.AsNoTracking(), MonthStart(now)).ToListAsync(cancellationToken);
        var metered = (await db.UsageCounters.AsNoTracking().Where(u => u.Day >= period)
                .GroupBy(u => new { u.TenantId, u.Meter }).Select(g => new { g.Key.TenantId, g.Key.Meter, Used = g.Sum(u => u.Count) })
                .ToListAsync(cancellationToken))
            .ToLookup(m => m.TenantId);
        var meters = new List<(Guid, IReadOnlyList<UsageMeter>)>(activity.Count);
        foreach (var row in activity)
        {
            var plan = await plans.GetAsync(row.PlanId, cancellationToken);
            meters.Add((row.TenantId, Meters(plan, row.Activity, metered[row.TenantId].ToDictionary(m => m.Meter, m => m.Used), largestFileBytes: 0)));
        }
        return meters;
    }

    /// <summary>The meters of <paramref name="plan"/> for a tenant's activity and metered counts, in the order the usage page shows them.</summary>
    private static List<UsageMeter> Meters(Plan plan, TenantActivity usage, Dictionary<string, long> metered, long largestFileBytes) =>
    [
        Metered(Usage.UsageMeters.Conversations, Conversations, plan, metered),
        Metered(Usage.UsageMeters.Messages, Messages, plan, metered),
        new UsageMeter(Identity.MemberSeats.LimitName, Agents, usage.Members, plan.Agents, UsageUnit.Count),
        new UsageMeter("storageBytes", Storage, usage.StorageBytes, plan.StorageBytes, UsageUnit.Bytes),
        new UsageMeter("attachmentMaxBytes", LargestFile, null, largestFileBytes, UsageUnit.Bytes),
        new UsageMeter("apiRequestsPerMinute", ApiRate, null, plan.ApiRequestsPerMinute, UsageUnit.PerMinute),
    ];

    private static UsageMeter Metered(string meter, string name, Plan plan, Dictionary<string, long> metered)
    {
        var limit = Usage.UsageMeters.LimitOf(plan, meter);
        return new UsageMeter(Usage.UsageMeters.LimitName(meter), name, metered.GetValueOrDefault(meter), limit, UsageUnit.Count,
            limit > 0 ? Usage.UsageMeters.SoftThreshold(limit, plan.SoftLimitPercent) : null);
    }
}

/// <summary>One tenant's plan id and activity.</summary>
internal sealed record TenantActivityRow(Guid TenantId, string PlanId, TenantActivity Activity);
