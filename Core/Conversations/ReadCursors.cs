using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>
/// Per-user read cursors of conversations (<see cref="ReadState"/>), stored server-side so an agent's unread counts follow
/// them to every browser. A cursor only moves forward, and never past the conversation's last sequence number.
/// </summary>
public sealed class ReadCursors(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// Marks <paramref name="conversationId"/> read by <paramref name="userId"/> up to <paramref name="seq"/> (capped at the
    /// conversation's last seq; a lower seq than the stored one changes nothing). Returns the cursor now stored, or null
    /// when the tenant has no such conversation.
    /// </summary>
    public async Task<long?> MarkReadAsync(TenantInfo tenant, Guid userId, Guid conversationId, long seq, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH upserted AS (
                INSERT INTO read_states (tenant_id, user_id, conversation_id, last_read_seq, updated_at)
                SELECT c.tenant_id, $2, c.id, GREATEST(LEAST($4, c.last_seq), 0), $5
                FROM conversations c WHERE c.tenant_id = $1 AND c.id = $3
                ON CONFLICT (tenant_id, user_id, conversation_id) DO UPDATE
                    SET last_read_seq = EXCLUDED.last_read_seq, updated_at = EXCLUDED.updated_at
                    WHERE read_states.last_read_seq < EXCLUDED.last_read_seq
                RETURNING last_read_seq
            )
            SELECT last_read_seq FROM upserted
            UNION ALL
            SELECT r.last_read_seq FROM read_states r
            WHERE r.tenant_id = $1 AND r.user_id = $2 AND r.conversation_id = $3 AND NOT EXISTS (SELECT 1 FROM upserted)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = userId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = seq },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = time.GetUtcNow() },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : null;
    }

    /// <summary>How far <paramref name="userId"/> has read <paramref name="conversationId"/> (0 when never).</summary>
    public async Task<long> LastReadAsync(TenantInfo tenant, Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT r.last_read_seq FROM read_states r WHERE r.tenant_id = $1 AND r.user_id = $2 AND r.conversation_id = $3")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = userId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : 0;
    }
}
