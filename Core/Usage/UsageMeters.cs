using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Usage;

/// <summary>
/// The metered limits and their billing period (a calendar month, UTC): names, thresholds, and the hard-limit refusal every
/// surface shares (<see cref="Conversations.ConversationWriter"/> checks it in the statement that starts a conversation).
/// </summary>
public static class UsageMeters
{
    /// <summary>Conversations started (<c>ConversationStarted</c>).</summary>
    public const string Conversations = "conversations";

    /// <summary>Messages from visitors and agents (<c>MessageAdded</c>, inbound and outbound; notes and system lines are free).</summary>
    public const string Messages = "messages";

    /// <summary>The plan's warning share of a limit (<see cref="Plan.SoftLimitPercent"/>).</summary>
    public const string Soft = "soft";

    /// <summary>The limit itself: new conversations are refused.</summary>
    public const string Hard = "hard";

    /// <summary>The first day of the billing period that contains <paramref name="at"/>.</summary>
    public static DateOnly PeriodStart(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateOnly(utc.Year, utc.Month, 1);
    }

    /// <summary>When the period that starts on <paramref name="periodStart"/> ends and its meters start again at zero.</summary>
    public static DateTimeOffset ResetsAt(DateOnly periodStart) =>
        new(periodStart.AddMonths(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The usage at which the soft threshold of <paramref name="limit"/> is reached (0: no limit, no threshold).</summary>
    public static long SoftThreshold(long limit, int percent) =>
        limit <= 0 ? 0 : Math.Max(1, (long)Math.Ceiling(limit * Math.Clamp(percent, 1, 100) / 100.0));

    /// <summary>The metered limit of <paramref name="meter"/> on <paramref name="plan"/> (0: none).</summary>
    public static long LimitOf(Plan plan, string meter)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return meter switch
        {
            Conversations => plan.ConversationsPerMonth,
            Messages => plan.MessagesPerMonth,
            _ => throw new ArgumentOutOfRangeException(nameof(meter), meter, "Not a metered limit."),
        };
    }

    /// <summary>The API's name of a meter's limit (<c>conversationsPerMonth</c>), as <c>limit_exceeded</c> names it.</summary>
    public static string LimitName(string meter) => meter + "PerMonth";

    /// <summary>
    /// The SQL condition (over <c>tenants t JOIN plans p</c>, tenant id in <paramref name="tenantParameter"/>, period start in
    /// <paramref name="periodParameter"/>) that holds while the tenant may start a conversation: no metered limit reached.
    /// </summary>
    internal static string UnderHardLimitsSql(string tenantParameter, string periodParameter) => $"""
        (p.conversations_per_month = 0 OR coalesce((SELECT sum(u.count) FROM usage_counters u
            WHERE u.tenant_id = {tenantParameter} AND u.meter = '{Conversations}' AND u.day >= {periodParameter}), 0) < p.conversations_per_month)
        AND (p.messages_per_month = 0 OR coalesce((SELECT sum(u.count) FROM usage_counters u
            WHERE u.tenant_id = {tenantParameter} AND u.meter = '{Messages}' AND u.day >= {periodParameter}), 0) < p.messages_per_month)
        """;

    /// <summary>
    /// The thresholds <paramref name="tenant"/> reached in the period that contains <paramref name="now"/>, hard ones first
    /// (one short statement on its own connection, for the portal's banner, which renders beside pages using the scope's context).
    /// </summary>
    public static async Task<IReadOnlyList<LimitNotice>> ReachedAsync(NpgsqlDataSource dataSource, TenantInfo tenant, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(tenant);
        var period = PeriodStart(now);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT meter, level, used, "limit", reached_at FROM limit_notices
            WHERE tenant_id = $1 AND period_start = $2
            ORDER BY level = '{Hard}' DESC, reached_at
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = period },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        var reached = new List<LimitNotice>();
        while (await reader.ReadAsync(cancellationToken))
        {
            reached.Add(new LimitNotice
            {
                TenantId = tenant.Id, Meter = reader.GetString(0), PeriodStart = period, Level = reader.GetString(1),
                Used = reader.GetInt64(2), Limit = reader.GetInt64(3), ReachedAt = reader.GetFieldValue<DateTimeOffset>(4),
            });
        }
        return reached;
    }

    /// <summary>
    /// Reads what the tenant used of each metered limit this period and returns the refusal naming the first one reached
    /// (the slow path: only after the start statement refused).
    /// </summary>
    public static async Task<LimitExceededException> RefusalAsync(NpgsqlDataSource dataSource, TenantInfo tenant, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(tenant);
        var period = PeriodStart(now);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT p.conversations_per_month, p.messages_per_month,
                   coalesce((SELECT sum(count) FROM usage_counters WHERE tenant_id = $1 AND meter = '{Conversations}' AND day >= $2), 0),
                   coalesce((SELECT sum(count) FROM usage_counters WHERE tenant_id = $1 AND meter = '{Messages}' AND day >= $2), 0)
            FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = period },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new TenantNotResolvedException();
        }
        var (conversationsLimit, messagesLimit) = (reader.GetInt32(0), reader.GetInt32(1));
        var (conversations, messages) = (reader.GetInt64(2), reader.GetInt64(3));
        return conversationsLimit > 0 && conversations >= conversationsLimit
            ? new LimitExceededException(LimitName(Conversations), conversations, conversationsLimit, ResetsAt(period))
            : new LimitExceededException(LimitName(Messages), messages, messagesLimit, ResetsAt(period));
    }
}

/// <summary>
/// 402 <c>limit_exceeded</c>: the tenant reached a hard limit of its plan: a monthly one, so nothing new starts until
/// <see cref="ResetsAt"/> (existing conversations keep working: visitors write, agents reply), or its active members.
/// </summary>
public sealed class LimitExceededException : DomainException
{
    public LimitExceededException(string limit, long used, long max, DateTimeOffset resetsAt)
        : this(limit, used, max, $"The plan's {limit} limit is reached ({used} of {max}); new conversations start again at {resetsAt:u}.", resetsAt)
    {
    }

    /// <summary>A limit that no period resets (active members): only a larger plan or fewer in use makes room.</summary>
    public LimitExceededException(string limit, long used, long max, string title)
        : this(limit, used, max, title, null)
    {
    }

    private LimitExceededException(string limit, long used, long max, string title, DateTimeOffset? resetsAt)
        : base(402, "limit_exceeded", title)
    {
        Limit = limit;
        Used = used;
        Max = max;
        ResetsAt = resetsAt;
        Extensions["limit"] = limit;
        Extensions["used"] = used;
        Extensions["max"] = max;
        if (resetsAt is { } at)
        {
            Extensions["resetsAt"] = at;
        }
    }

    public string Limit { get; }

    public long Used { get; }

    public long Max { get; }

    /// <summary>When a monthly limit resets; null for one that no period resets.</summary>
    public DateTimeOffset? ResetsAt { get; }
}
