using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Persistence;
using OmniChat.Workers.Delivery;

namespace OmniChat.Workers.Telegram.Delivery;

/// <summary>
/// Sends due Telegram deliveries across tenants (system role; ADR 0003 and 0022). Per conversation only the oldest pending
/// delivery is due, so a topic opens before its first message and messages arrive in seq order. Deliveries are claimed
/// with a lease in one short statement, sent with no transaction open, and each outcome is recorded as soon as it is
/// known, fenced by the lease. At most <see cref="TelegramOptions.SenderPerTenantConcurrency"/> of a tenant's deliveries
/// are in flight, and Telegram's pacing waits inside them, so one tenant's flood wait or dead bot never delays another
/// tenant. Only channels that are active are served: a revoked token stops its tenant's deliveries instead of retrying
/// them (they go out once the tenant reconnects).
/// </summary>
internal sealed partial class TelegramDeliverySender(SystemDataSource system, TelegramDeliveryExecutor executor, IOptions<TelegramOptions> options,
    TelegramDeliverySignal signal, ILogger<TelegramDeliverySender> logger) : FairDeliveryLoop(signal, logger)
{
    private readonly TelegramOptions _options = options.Value;

    protected override int Concurrency => _options.SenderConcurrency;

    protected override int PerTenantConcurrency => _options.SenderPerTenantConcurrency;

    protected override TimeSpan PollInterval => _options.DeliveryPollInterval;

    protected override void LogStarted() => LogSystemScope(logger);

    protected override async Task<int> ClaimAsync(int free, IReadOnlyDictionary<Guid, int> busy, CancellationToken cancellationToken)
    {
        var leaseId = Guid.NewGuid();
        await using var connection = await system.Value.OpenConnectionAsync(cancellationToken);
        await using var claim = new NpgsqlCommand("""
            WITH heads AS (
                SELECT DISTINCT ON (d.conversation_id) d.id, d.tenant_id, d.next_attempt_at, d.leased_until
                FROM telegram_deliveries d
                WHERE d.status = 'Pending'
                ORDER BY d.conversation_id, d.seq, d.created_at, d.kind LIKE 'file:%', d.kind -- a message's text, then its files in order
            ), due AS (
                SELECT h.id, h.tenant_id, h.next_attempt_at FROM heads h
                JOIN telegram_channels ch ON ch.tenant_id = h.tenant_id AND ch.status = 'Active'
                WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
            ), fair AS (
                SELECT due.id FROM (
                    SELECT due.*, row_number() OVER (PARTITION BY due.tenant_id ORDER BY due.next_attempt_at) AS n FROM due) due
                LEFT JOIN unnest($2::uuid[], $3::int[]) AS b(tenant_id, in_flight) ON b.tenant_id = due.tenant_id
                WHERE due.n <= $4 - coalesce(b.in_flight, 0)
                ORDER BY due.next_attempt_at LIMIT $1
            )
            UPDATE telegram_deliveries d SET lease_id = $5, leased_until = now() + $6
            FROM fair
            WHERE d.id = fair.id AND d.status = 'Pending' AND (d.leased_until IS NULL OR d.leased_until < now())
            RETURNING d.id, d.tenant_id, d.conversation_id, d.kind, d.target, d.message_id, d.payload::text, d.attempts
            """, connection);
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = free });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = busy.Keys.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = busy.Values.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.SenderPerTenantConcurrency });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = leaseId });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = _options.DeliveryLease });
        var due = new List<DueTelegramDelivery>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new DueTelegramDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6), reader.GetInt32(7), leaseId));
            }
        }
        foreach (var delivery in due)
        {
            Start(delivery.TenantId, () => DeliverAsync(delivery, cancellationToken));
        }
        return due.Count;
    }

    private async Task DeliverAsync(DueTelegramDelivery due, CancellationToken cancellationToken)
    {
        try
        {
            await executor.DeliverAsync(due, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the lease lapses and the delivery is taken again.
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            LogDeliveryFailed(logger, due.Id, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram sender: claims due deliveries of every tenant on the system role (raw SQL, ADR 0003)")]
    private static partial void LogSystemScope(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram delivery {DeliveryId} could not be completed; it is taken again when its lease lapses")]
    private static partial void LogDeliveryFailed(ILogger logger, Guid deliveryId, Exception exception);
}
