using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Messaging;
using OmniChat.Core.Persistence;
using OmniChat.Core.Usage;
using OmniChat.Core.Webhooks;
using OmniChat.Workers.Webhooks;

namespace OmniChat.Workers.Usage;

/// <summary>
/// Meters usage from the outbox stream: each <see cref="ConversationStarted"/> counts one conversation, each visitor or
/// agent <see cref="MessageAdded"/> one message, on the event's day (UTC), exactly once per event (the processed-message
/// row and the counter change in one statement). When the period's total reaches the plan's soft share or the limit
/// itself, <see cref="LimitNotices"/> records it once per period and level, with its webhook and audit entry.
/// Counting is commutative, so the queue is not partitioned by conversation.
/// </summary>
internal sealed class UsageMeterConsumer(NpgsqlDataSource dataSource, LimitNotices notices) :
    IConsumer<ConversationStarted>, IConsumer<MessageAdded>
{
    /// <summary>This consumer's name in <c>processed_messages</c>.</summary>
    public const string Name = "usage";

    public Task Consume(ConsumeContext<ConversationStarted> context) =>
        CountAsync(context, context.Message, UsageMeters.Conversations);

    public Task Consume(ConsumeContext<MessageAdded> context) =>
        // Notes and system lines are free: only what visitors and agents write is metered.
        context.Message.Direction is "INBOUND" or "OUTBOUND" ? CountAsync(context, context.Message, UsageMeters.Messages) : Task.CompletedTask;

    private async Task CountAsync(ConsumeContext context, IConversationEvent e, string meter)
    {
        var day = DateOnly.FromDateTime(e.OccurredAt.UtcDateTime);
        var period = UsageMeters.PeriodStart(e.OccurredAt);
        await using var batch = dataSource.CreateTenantBatch(e.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            WITH first_time AS (
                INSERT INTO processed_messages (tenant_id, consumer, message_id, processed_at)
                VALUES ($1, $2, $3, now())
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), counted AS (
                INSERT INTO usage_counters (tenant_id, meter, day, count)
                SELECT $1, $4, $5, 1 FROM first_time
                ON CONFLICT (tenant_id, meter, day) DO UPDATE SET count = usage_counters.count + 1
                RETURNING count
            )
            SELECT coalesce((SELECT count FROM counted),
                            (SELECT u.count FROM usage_counters u WHERE u.tenant_id = $1 AND u.meter = $4 AND u.day = $5), 0)
                   + coalesce((SELECT sum(u.count) FROM usage_counters u WHERE u.tenant_id = $1 AND u.meter = $4 AND u.day >= $6 AND u.day <> $5), 0),
                   CASE $4 WHEN '{UsageMeters.Conversations}' THEN p.conversations_per_month ELSE p.messages_per_month END,
                   p.soft_limit_percent
            FROM tenants t JOIN plans p ON p.id = t.plan_id
            WHERE t.id = $1
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = Name },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = context.MessageId ?? e.EventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = meter },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = day },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = period },
            },
        });
        long used, limit;
        int softPercent;
        await using (var reader = await batch.ExecuteReaderAsync(context.CancellationToken))
        {
            // The first command sets the tenant; the period's total comes from the second. A repeat (already counted) still
            // reads the total and checks the thresholds: a notice whose recording failed after the count was saved is made
            // up for when the event is retried (recording a notice is idempotent).
            await reader.NextResultAsync(context.CancellationToken);
            if (!await reader.ReadAsync(context.CancellationToken))
            {
                return;
            }
            (used, limit, softPercent) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2));
        }
        if (limit <= 0)
        {
            return;
        }
        if (used >= UsageMeters.SoftThreshold(limit, softPercent))
        {
            await notices.RecordAsync(e.TenantId, meter, period, UsageMeters.Soft, used, limit, context.CancellationToken);
        }
        if (used >= limit)
        {
            await notices.RecordAsync(e.TenantId, meter, period, UsageMeters.Hard, used, limit, context.CancellationToken);
        }
    }
}

/// <summary>The usage endpoint: quorum queue, bounded prefetch, retried; never blocked by a poison message.</summary>
internal sealed class UsageMeterConsumerDefinition : ConsumerDefinition<UsageMeterConsumer>
{
    public UsageMeterConsumerDefinition()
    {
        EndpointName = QueueNames.Usage;
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<UsageMeterConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SetQuorumQueue();
            rabbit.PrefetchCount = 64;
        }
        endpointConfigurator.UseMessageRetry(r => r.Exponential(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200)));
    }
}

/// <summary>
/// Records that a tenant reached a threshold of a limit in a period, once: the notice row, one <c>limit.reached</c>
/// delivery per subscription that asked for it, and the audit entry are written by one statement that does nothing when
/// the notice exists. Thresholds already recorded by this process are remembered, so a tenant past its soft limit costs
/// no extra statement per event.
/// </summary>
internal sealed partial class LimitNotices(NpgsqlDataSource dataSource, WebhookSenderSignal webhookSignal, IOptions<WebhookOptions> webhookOptions,
    TimeProvider time, ILogger<LimitNotices> logger)
{
    private readonly ConcurrentDictionary<(Guid Tenant, string Meter, DateOnly Period, string Level), bool> _recorded = new();

    public async Task RecordAsync(Guid tenantId, string meter, DateOnly period, string level, long used, long limit, CancellationToken cancellationToken)
    {
        var key = (tenantId, meter, period, level);
        if (_recorded.ContainsKey(key))
        {
            return;
        }
        var now = time.GetUtcNow();
        var eventId = Guid.CreateVersion7(now);
        var resetsAt = UsageMeters.ResetsAt(period);
        var body = WebhookEvents.BuildLimitReached(eventId, tenantId, now,
            new LimitReachedData(UsageMeters.LimitName(meter), level, used, limit, new DateTimeOffset(period.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), resetsAt));
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH noticed AS (
                INSERT INTO limit_notices (tenant_id, meter, period_start, level, used, "limit", reached_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), audited AS (
                INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
                SELECT $8, $1, 'system', 'system', 'limit.reached', 'limit', $9, NULL, $10, $7 FROM noticed
            )
            INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, partition_key, seq, payload, status, attempts,
                                            next_attempt_at, retry_until, created_at)
            SELECT gen_random_uuid(), $1, s.id, $8, $11, $1, 0, $13, 'Pending', 0, now(), now() + $12, now()
            FROM webhook_subscriptions s CROSS JOIN noticed
            WHERE s.tenant_id = $1 AND s.enabled AND $11 = ANY (s.events)
            ON CONFLICT (tenant_id, subscription_id, event_id) DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = meter },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = period },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = level },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = used },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = limit },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = eventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = $"{UsageMeters.LimitName(meter)}:{level}:{period:yyyy-MM}" },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = body },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = WebhookEvents.LimitReached },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = webhookOptions.Value.RetryWindow },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = body },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        _recorded[key] = true;
        LogLimitReached(logger, tenantId, meter, level, used, limit);
        if (batch.BatchCommands[^1].RecordsAffected > 0)
        {
            webhookSignal.Wake();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} reached the {Level} threshold of its monthly {Meter} limit: {Used} of {Max}")]
    private static partial void LogLimitReached(ILogger logger, Guid tenantId, string meter, string level, long used, long max);
}
