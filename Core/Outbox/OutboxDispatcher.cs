using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Outbox;

/// <summary>A claimed outbox row.</summary>
public sealed record OutboxRow(Guid Id, Guid TenantId, string MessageType, string Payload, Guid Partition, long? Seq);

/// <summary>Publishes one outbox row to the broker (MassTransit in production); completes when the broker confirmed it.</summary>
public interface IOutboxPublisher
{
    Task PublishAsync(OutboxRow row, CancellationToken cancellationToken);
}

/// <summary>
/// Moves committed outbox rows to RabbitMQ on the system role. A round claims, in one short statement, up to
/// <see cref="OutboxOptions.PartitionsPerBatch"/> conversations that have due rows by taking a session-level advisory
/// lock on each (skipping those another dispatcher holds), publishes their rows conversation by conversation in seq
/// order (conversations in parallel), then marks what the broker confirmed as sent and releases the locks. No
/// transaction is open while it publishes (ADR 0022): the locks live on the connection, so nothing waits on the broker
/// but the claimed conversations themselves. Any number of dispatchers, in one process or many, can run at once: a
/// conversation belongs to one of them per round, so its rows go out in order and once per round. A failed publish
/// leaves that conversation's remaining rows for a later round (order kept); a crash before the mark republishes (at
/// least once; consumers deduplicate on the message id).
/// </summary>
public sealed partial class OutboxDispatcher(SystemDataSource systemDataSource, IOutboxPublisher publisher, IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger)
{
    private readonly OutboxOptions _options = options.Value;

    /// <summary>One round; returns how many rows were published and whether every publish succeeded.</summary>
    public async Task<(int Published, bool Failed)> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await systemDataSource.Value.OpenConnectionAsync(cancellationToken);
        var sent = new List<Guid>();
        var failed = false;
        try
        {
            var rows = await ClaimAsync(connection, cancellationToken);
            if (rows.Count == 0)
            {
                return (0, false);
            }
            await Parallel.ForEachAsync(rows.GroupBy(r => r.Partition), new ParallelOptions
            {
                MaxDegreeOfParallelism = _options.PublishConcurrency,
                CancellationToken = cancellationToken,
            }, async (partition, ct) =>
            {
                foreach (var row in partition)
                {
                    try
                    {
                        await publisher.PublishAsync(row, ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // Keep this conversation's order: stop here, the rest goes in a later round.
                        failed = true;
                        LogPublishFailed(logger, row.Id, row.MessageType, ex);
                        break;
                    }
                    lock (sent)
                    {
                        sent.Add(row.Id);
                    }
                }
            });
            return (sent.Count, failed);
        }
        finally
        {
            await MarkAndReleaseAsync(connection, sent);
        }
    }

    // Marks what was published (even when the round is being cancelled: the broker has those rows), and only once that
    // has committed releases the round's conversation locks: a dispatcher that takes a conversation next must not see a
    // mark that might still roll back, or it could publish the conversation's later rows before these are republished.
    private static async Task MarkAndReleaseAsync(NpgsqlConnection connection, List<Guid> sent)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return; // The session is gone, and its locks with it.
        }
        try
        {
            if (sent.Count > 0)
            {
                await using var mark = new NpgsqlCommand(
                    "UPDATE outbox_messages SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)", connection);
                mark.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = sent.ToArray() });
                await mark.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    // Due rows of the conversations this round could lock, oldest conversations first, each in seq order. Each claimed
    // conversation gets an equal share of the round's rows, so a backlog in a few conversations cannot crowd the others
    // out of the round (they publish in parallel; one long conversation would publish alone, one row at a time). FOR
    // UPDATE re-reads each row's latest version, so a row another dispatcher sent since this statement's snapshot is
    // skipped. The advisory locks are the session's: they outlive this statement and its transaction.
    private async Task<List<OutboxRow>> ClaimAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand("""
            WITH due AS (
                SELECT coalesce(partition_key, id) AS p, min(created_at) AS oldest
                FROM (SELECT partition_key, id, created_at FROM outbox_messages
                      WHERE sent_at IS NULL AND available_at <= now()
                      ORDER BY available_at, created_at
                      LIMIT $3) oldest_rows
                GROUP BY 1
            ), claimed AS MATERIALIZED (
                -- OFFSET 0 keeps the lock call above the sort: pushed down, it would lock every due conversation
                -- rather than the first $1, leaving the other dispatchers nothing to claim.
                SELECT p FROM (SELECT p FROM due ORDER BY oldest OFFSET 0) ordered
                WHERE pg_try_advisory_lock(hashtextextended(p::text, 7310))
                LIMIT $1
            )
            SELECT r.id, r.tenant_id, r.message_type, r.payload::text, c.p, r.seq
            FROM claimed c
            CROSS JOIN LATERAL (
                SELECT o.id, o.tenant_id, o.message_type, o.payload, o.seq, o.created_at
                FROM outbox_messages o
                WHERE coalesce(o.partition_key, o.id) = c.p AND o.sent_at IS NULL
                ORDER BY o.seq NULLS FIRST, o.created_at, o.id
                LIMIT (SELECT greatest(1, $2 / count(*)) FROM claimed)
                FOR UPDATE OF o SKIP LOCKED
            ) r
            ORDER BY c.p, r.seq NULLS FIRST, r.created_at, r.id
            """, connection);
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.PartitionsPerBatch });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.RowsPerBatch });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.RowsPerBatch * 4 });
        var rows = new List<OutboxRow>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }
        return rows;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing outbox row {RowId} ({MessageType}) failed; its conversation waits for the next round")]
    private static partial void LogPublishFailed(ILogger logger, Guid rowId, string messageType, Exception exception);
}

/// <summary>
/// Publishes outbox rows as their contract types through MassTransit (publisher confirms on): the MassTransit message
/// id is the outbox row id, stable across republishing, which consumers deduplicate on; the tenant travels in a header
/// as well as in the contract.
/// </summary>
public sealed class MassTransitOutboxPublisher(IBus bus) : IOutboxPublisher
{
    /// <summary>Header carrying the tenant id.</summary>
    public const string TenantHeader = "OmniChat-Tenant";

    /// <inheritdoc />
    public Task PublishAsync(OutboxRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var message = Deserialize(row.MessageType, row.Payload)
            ?? throw new InvalidOperationException($"Outbox row {row.Id} has the unknown type '{row.MessageType}'.");
        return bus.Publish(message, message.GetType(), context =>
        {
            context.MessageId = row.Id;
            context.Headers.Set(TenantHeader, row.TenantId.ToString());
            context.Durable = true;
        }, cancellationToken);
    }

    /// <summary>The contract an outbox row holds.</summary>
    public static IConversationEvent? Deserialize(string messageType, string payload) => messageType switch
    {
        nameof(ConversationStarted) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationStarted),
        nameof(MessageAdded) => JsonSerializer.Deserialize(payload, CoreJson.Default.MessageAdded),
        nameof(ConversationClaimed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationClaimed),
        nameof(ConversationReleased) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationReleased),
        nameof(ConversationRenamed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationRenamed),
        nameof(ConversationClosed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationClosed),
        _ => null,
    };
}
