using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;
using OmniChat.Core.Webhooks;

namespace OmniChat.Core.Conversations;

/// <summary>A half-open time range <c>[From, To)</c> of at most <see cref="TenantStatistics.MaxRange"/>.</summary>
public sealed record StatisticsRange(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// The tenant dashboard's numbers for a range: conversations started in it and their first-response times (p50 and p90,
/// computed in PostgreSQL with <c>percentile_cont</c>), conversations waiting for a reply now, Telegram and webhook
/// deliveries that failed for good in it, the Api's error answers (4xx and 5xx) on the UTC days the range overlaps
/// (<see cref="ApiErrorCounts"/>, counted per tenant in Redis), and the usage of the plan's limits. Runs in the current
/// tenant's scope (query filters and row-level security, and the tenant's own Redis keys), so another tenant's rows and
/// errors never count.
/// </summary>
public sealed class TenantStatistics(OmniChatDbContext db, ITenantContext tenants, TenantUsage usage, ApiErrorCounts apiErrors,
    TimeProvider time)
{
    /// <summary>The longest range one request may cover.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>The range when the caller gives none: the last 30 days.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);

    /// <summary>
    /// Reads <paramref name="from"/> and <paramref name="to"/> (ISO 8601; a time without an offset is UTC). Missing
    /// <paramref name="to"/> is now, missing <paramref name="from"/> is <see cref="DefaultRange"/> before <paramref name="to"/>.
    /// Throws <see cref="ValidationException"/> for an unreadable date, <paramref name="from"/> after <paramref name="to"/>, or
    /// a range longer than <see cref="MaxRange"/>.
    /// </summary>
    public static StatisticsRange ParseRange(string? from, string? to, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var end = Parse(to, "to", errors) ?? now;
        var start = Parse(from, "from", errors) ?? end - DefaultRange;
        if (errors.Count == 0 && start > end)
        {
            errors["from"] = ["from must not be after to."];
        }
        else if (errors.Count == 0 && end - start > MaxRange)
        {
            errors["to"] = [$"The range covers at most {MaxRange.TotalDays:0} days."];
        }
        ValidationException.ThrowIfAny(errors);
        return new StatisticsRange(start, end);
    }

    private static DateTimeOffset? Parse(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }
        errors[field] = ["An ISO 8601 date or date and time (2026-12-01 or 2026-12-01T00:00:00Z)."];
        return null;
    }

    /// <summary>The numbers of the current tenant for <paramref name="range"/>.</summary>
    public async Task<TenantStatisticsReport> ReadAsync(StatisticsRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        var tenant = tenants.RequireTenant();
        var (from, to) = (range.From.ToUniversalTime(), range.To.ToUniversalTime());
        // Redis answers while PostgreSQL works.
        var errors = apiErrors.ReadAsync(tenant.Id, from, to, cancellationToken);
        // Column names in snake_case: the model's naming convention maps the row's properties to them.
        // Conversations that started in the range, and how long their first visitor message waited for an agent.
        var conversations = await db.Database.SqlQuery<ConversationRangeRow>($"""
            SELECT count(*)::int AS started,
                   count(first_response_at)::int AS answered,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - first_inbound_at)::float8) AS first_response_p50,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - first_inbound_at)::float8) AS first_response_p90
            FROM conversations
            WHERE tenant_id = {tenant.Id} AND created_at >= {from} AND created_at < {to}
            """).SingleAsync(cancellationToken);
        // The rest in one statement: scalar counts hung on the tenant's own row.
        var failures = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant.Id)
            .Select(t => new
            {
                Unanswered = db.Conversations.Where(c => c.TenantId == t.Id && c.Status != ConversationStatus.Closed)
                    .Count(ConversationQueries.Unanswered),
                Telegram = db.TelegramDeliveries.Count(d => d.TenantId == t.Id && (d.Status == TelegramDeliveryStatus.Failed || d.Status == TelegramDeliveryStatus.Dead)
                                                            && d.CreatedAt >= from && d.CreatedAt < to),
                Webhooks = db.WebhookDeliveries.Count(d => d.TenantId == t.Id && d.Status == WebhookDeliveryStatus.Dead
                                                           && d.DeadAt >= from && d.DeadAt < to),
            })
            .SingleAsync(cancellationToken);
        var report = await usage.ReadAsync(cancellationToken);
        return new TenantStatisticsReport(from, to, time.GetUtcNow(), conversations.Started, conversations.Answered,
            Round(conversations.FirstResponseP50), Round(conversations.FirstResponseP90), failures.Unanswered, failures.Telegram,
            failures.Webhooks, await errors, report);
    }

    /// <summary>
    /// Conversations waiting for an agent's reply now (not closed, and <see cref="ConversationQueries.Unanswered"/>), per
    /// tenant, in one aggregate over <paramref name="db"/> (the system scope: every tenant; the Workers' gauge).
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, int>> CountUnansweredByTenantAsync(OmniChatDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Conversations.AsNoTracking().Where(c => c.Status != ConversationStatus.Closed).Where(ConversationQueries.Unanswered)
            .GroupBy(c => c.TenantId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 3) : null;

    // The shape of the percentile statement's one row.
    private sealed class ConversationRangeRow
    {
        public int Started { get; set; }

        public int Answered { get; set; }

        public double? FirstResponseP50 { get; set; }

        public double? FirstResponseP90 { get; set; }
    }
}

/// <summary>
/// A tenant's numbers for <see cref="From"/>–<see cref="To"/> (read <see cref="At"/>): conversations started in the range,
/// how many of them got an agent reply, the p50/p90 first-response time in seconds (null without any), conversations
/// waiting for a reply now, Telegram deliveries and webhook deliveries that failed for good in the range, the Api's error
/// answers to the tenant on the UTC days the range overlaps (whole days), and the usage of the plan's limits.
/// </summary>
public sealed record TenantStatisticsReport(DateTimeOffset From, DateTimeOffset To, DateTimeOffset At, int ConversationsStarted,
    int ConversationsAnswered, double? FirstResponseP50Seconds, double? FirstResponseP90Seconds, int UnansweredNow, int TelegramFailures,
    int WebhookFailures, ApiErrorTotals ApiErrors, TenantUsageReport Usage);
