using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Events;

/// <summary>A domain event as the event stream sends it; <see cref="Position"/> (as text, <see cref="Cursor"/>) is its resume point.</summary>
public sealed record StoredEvent(long Position, string Type, string PayloadJson)
{
    /// <summary>The position as the stream sends it (SSE <c>id</c>, agent socket <c>cursor</c>).</summary>
    public string Cursor => Position.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads a tenant's domain events from the outbox in stream-position order (ADR 0022). Positions are assigned after
/// commit by <c>sequence_tenant_events</c>, one tenant at a time, so the positions a reader can see are always a prefix:
/// reading on from a cursor never skips an event that commits late and never repeats one. A transaction held open
/// elsewhere (any tenant's, or none) delays nothing but its own events.
/// </summary>
public sealed class TenantEventLog(NpgsqlDataSource dataSource)
{
    // Cursors of the first event streams were "<transaction id>.<row id>"; a client may still hold one.
    private const char LegacySeparator = '.';

    /// <summary>
    /// Events after position <paramref name="after"/>, oldest first. With <paramref name="sequence"/>, committed events
    /// that have no position yet get one first, in the same round trip.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(Guid tenantId, long after, int limit, bool sequence, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        if (sequence)
        {
            batch.BatchCommands.Add(SequenceCommand(tenantId));
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT o.stream_position, o.message_type, o.payload::text FROM outbox_messages o
            WHERE o.tenant_id = $1 AND o.stream_position > $2
            ORDER BY o.stream_position
            LIMIT $3
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = after },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = limit },
            },
        });
        var events = new List<StoredEvent>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        if (sequence)
        {
            await reader.NextResultAsync(cancellationToken);
        }
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent(reader.GetInt64(0), WireType(reader.GetString(1)), reader.GetString(2)));
        }
        return events;
    }

    /// <summary>Gives the tenant's committed, unnumbered events their positions; returns how many it numbered.</summary>
    public async Task<int> SequenceAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(SequenceCommand(tenantId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt32(0) : 0;
    }

    /// <summary>The position of the tenant's latest event (0 when it has none): reading after it returns only what comes next.</summary>
    public async Task<long> HeadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(SequenceCommand(tenantId));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT coalesce(max(o.stream_position), 0) FROM outbox_messages o WHERE o.tenant_id = $1 AND o.stream_position IS NOT NULL")
        {
            Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : 0;
    }

    /// <summary>
    /// The position a cursor this log produced stands for, or null when it is not one. A legacy cursor
    /// (<c>&lt;transaction id&gt;.&lt;row id&gt;</c>) resolves to the position of the row it names.
    /// </summary>
    public async Task<long?> ResolveCursorAsync(Guid tenantId, string cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return position;
        }
        if (ParseLegacyCursor(cursor) is not { } rowId)
        {
            return null;
        }
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT o.stream_position FROM outbox_messages o WHERE o.tenant_id = $1 AND o.id = $2")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = rowId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetInt64(0) : null;
    }

    /// <summary>Whether <paramref name="cursor"/> has the form of a cursor this log produces (or produced).</summary>
    public static bool IsValidCursor(string cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _) || ParseLegacyCursor(cursor) is not null;

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

    private static NpgsqlBatchCommand SequenceCommand(Guid tenantId) => new("SELECT sequence_tenant_events($1)")
    {
        Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId } },
    };

    private static Guid? ParseLegacyCursor(string? cursor)
    {
        var parts = cursor?.Split(LegacySeparator);
        return parts is { Length: 2 } && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
               && Guid.TryParseExact(parts[1], "N", out var id)
            ? id
            : null;
    }
}
