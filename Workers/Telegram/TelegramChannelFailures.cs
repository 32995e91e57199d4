using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;
using OmniChat.Core.Webhooks;
using OmniChat.Workers.Webhooks;

namespace OmniChat.Workers.Telegram;

/// <summary>
/// Stops a tenant's Telegram channel when Telegram says it cannot work (token revoked, bot removed from the support
/// group) — whether the sender heard it from a refused call or the inbox from a <c>my_chat_member</c> update — and, when
/// it was active until then, queues one <c>channel.failed</c> webhook per subscription that asked for it, in the same
/// statement: exactly once per failure, however many deliveries or updates report it.
/// </summary>
internal sealed partial class TelegramChannelFailures(NpgsqlDataSource dataSource, WebhookSenderSignal webhookSignal, IOptions<WebhookOptions> webhookOptions,
    TimeProvider time, ILogger<TelegramChannelFailures> logger)
{
    public async Task StopAsync(Guid tenantId, Guid channelId, string reason, string? error, CancellationToken cancellationToken)
    {
        LogChannelInactive(logger, tenantId, reason);
        error = error is { Length: > 1000 } ? error[..1000] : error;
        var now = time.GetUtcNow();
        var eventId = Guid.CreateVersion7(now);
        var body = WebhookEvents.BuildChannelFailed(eventId, tenantId, now, new ChannelFailedData("telegram", channelId, $"inactive: {reason}", error));
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        var command = new NpgsqlBatchCommand("""
            WITH before AS (
                SELECT id, status FROM telegram_channels WHERE tenant_id = $1 AND id = $2 FOR UPDATE
            ), stopped AS (
                UPDATE telegram_channels c SET status = 'Inactive', status_reason = $3, last_error = coalesce($4, c.last_error),
                    last_error_at = CASE WHEN $4 IS NULL THEN c.last_error_at ELSE now() END, updated_at = now()
                FROM before WHERE c.tenant_id = $1 AND c.id = before.id
                RETURNING before.status AS was
            )
            INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, partition_key, seq, payload, status, attempts,
                                            next_attempt_at, retry_until, created_at)
            SELECT gen_random_uuid(), $1, s.id, $5, $6, $2, 0, $7, 'Pending', 0, now(), now() + $8, now()
            FROM webhook_subscriptions s CROSS JOIN stopped
            WHERE stopped.was = 'Active' AND s.tenant_id = $1 AND s.enabled AND $6 = ANY (s.events)
            ON CONFLICT (tenant_id, subscription_id, event_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channelId });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = reason });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = error is null ? DBNull.Value : error });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = WebhookEvents.ChannelFailed });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = body });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = webhookOptions.Value.RetryWindow });
        batch.BatchCommands.Add(command);
        if (await batch.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            webhookSignal.Wake();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram channel of tenant {TenantId} is inactive: {Reason}")]
    private static partial void LogChannelInactive(ILogger logger, Guid tenantId, string reason);
}
