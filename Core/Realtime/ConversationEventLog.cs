using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Realtime;

/// <summary>
/// A conversation's stored events in <c>seq</c> order, read back from the outbox for resume and gap filling. Seqs are
/// bumped under the conversation's row lock, so they commit in order: reading after a seq never skips one that commits
/// late.
/// </summary>
public sealed class ConversationEventLog(NpgsqlDataSource dataSource)
{
    /// <summary>Stored events of <paramref name="conversationId"/> with seq above <paramref name="afterSeq"/>, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<RealtimeEvent>> ReadAfterAsync(Guid tenantId, Guid conversationId, long afterSeq, int limit,
        CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT message_type, payload::text FROM outbox_messages
            WHERE tenant_id = $1 AND partition_key = $2 AND seq > $3
            ORDER BY seq
            LIMIT $4
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = afterSeq },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = limit },
            },
        });
        var events = new List<RealtimeEvent>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (ToRealtimeEvent(reader.GetString(0), reader.GetString(1)) is { } e)
            {
                events.Add(e);
            }
        }
        return events;
    }

    /// <summary>The realtime form of a stored contract (the same the write path publishes live), or null for a type sockets do not carry.</summary>
    public static RealtimeEvent? ToRealtimeEvent(string messageType, string payload) => messageType switch
    {
        nameof(MessageAdded) => JsonSerializer.Deserialize(payload, CoreJson.Default.MessageAdded) is { } m
            ? new RealtimeEvent(m.Direction == "SYSTEM" ? RealtimeEvent.InfoNote : RealtimeEvent.Message, m.TenantId, m.ConversationId, m.OccurredAt)
            {
                Id = m.MessageId,
                Seq = m.Seq,
                Direction = m.Direction,
                Text = m.Text,
                Agent = m.Agent,
                Key = m.NoteKey,
                Attachments = m.Attachments is { Count: > 0 } ? m.Attachments : null,
            }
            : null,
        nameof(ConversationClaimed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationClaimed) is { } c
            ? new RealtimeEvent(RealtimeEvent.AgentJoined, c.TenantId, c.ConversationId, c.OccurredAt) { Seq = c.Seq, Agent = c.Agent }
            : null,
        nameof(ConversationReleased) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationReleased) is { } r
            ? new RealtimeEvent(RealtimeEvent.AgentLeft, r.TenantId, r.ConversationId, r.OccurredAt) { Seq = r.Seq }
            : null,
        nameof(ConversationRenamed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationRenamed) is { } n
            ? new RealtimeEvent(RealtimeEvent.ConversationRenamed, n.TenantId, n.ConversationId, n.OccurredAt) { Seq = n.Seq, Name = n.Name }
            : null,
        nameof(ConversationClosed) => JsonSerializer.Deserialize(payload, CoreJson.Default.ConversationClosed) is { } x
            ? new RealtimeEvent(RealtimeEvent.ConversationClosed, x.TenantId, x.ConversationId, x.OccurredAt) { Seq = x.Seq }
            : null,
        _ => null,
    };
}
