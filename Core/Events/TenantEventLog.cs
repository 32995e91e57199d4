using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Events;

/// <summary>A domain event as the event stream sends it; <see cref="Cursor"/> is its resume position.</summary>
public sealed record StoredEvent(string Cursor, string Type, string PayloadJson);

/// <summary>
/// Reads a tenant's domain events from the outbox in commit order. Only rows written by transactions older than every
/// transaction still running are returned, so reading on from a cursor never skips an event that commits late and never
/// repeats one: resume is gapless.
/// </summary>
public sealed class TenantEventLog(NpgsqlDataSource dataSource)
{
    /// <summary>Events after <paramref name="cursor"/> (from the start when null), oldest first.</summary>
    // Careful: the cursor column is selected as text, so the ORDER BY must name the table's xid8 column explicitly.
    // (An unqualified "ORDER BY tx_id" picks the text output column and sorts "1001" before "999".)
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(Guid tenantId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var (txId, id) = ParseCursor(cursor) ?? ("0", Guid.Empty);
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT o.tx_id::text AS cursor_tx, o.id, o.message_type, o.payload::text FROM outbox_messages o
            WHERE o.tenant_id = $1 AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())
              AND (o.tx_id, o.id) > ($2::xid8, $3)
            ORDER BY o.tx_id, o.id
            LIMIT $4
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = txId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = limit },
            },
        });
        var events = new List<StoredEvent>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent($"{reader.GetString(0)}.{reader.GetGuid(1):N}", WireType(reader.GetString(2)), reader.GetString(3)));
        }
        return events;
    }

    /// <summary>The cursor of the tenant's latest readable event: reading after it returns only what comes next.</summary>
    public async Task<string> HeadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT o.tx_id::text AS cursor_tx, o.id FROM outbox_messages o
            WHERE o.tenant_id = $1 AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY o.tx_id DESC, o.id DESC
            LIMIT 1
            """)
        {
            Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? $"{reader.GetString(0)}.{reader.GetGuid(1):N}" : $"0.{Guid.Empty:N}";
    }

    /// <summary>Whether <paramref name="cursor"/> is one this log produced.</summary>
    public static bool IsValidCursor(string cursor) => ParseCursor(cursor) is not null;

    /// <summary><c>MessageAdded</c> → <c>message.added</c>, <c>ConversationClaimed</c> → <c>conversation.claimed</c>.</summary>
    public static string WireType(string contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var wire = new StringBuilder(contract.Length + 4);
        for (var i = 0; i < contract.Length; i++)
        {
            if (char.IsUpper(contract[i]) && i > 0)
            {
                wire.Append('.');
            }
            wire.Append(char.ToLowerInvariant(contract[i]));
        }
        return wire.ToString();
    }

    private static (string TxId, Guid Id)? ParseCursor(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }
        var parts = cursor.Split('.');
        return parts.Length == 2 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tx)
               && Guid.TryParseExact(parts[1], "N", out var id)
            ? (tx.ToString(CultureInfo.InvariantCulture), id)
            : null;
    }
}
