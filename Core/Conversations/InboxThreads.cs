using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Attachments;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>A conversation as the agent's conversation view shows it.</summary>
public sealed record InboxThread(
    Guid Id,
    string? Name,
    ConversationStatus Status,
    string? ClaimedBy,
    string? Locale,
    string Channel,
    string Interface,
    long LastSeq,
    long? TelegramThreadId,
    long? TelegramGroupId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastInboundAt,
    DateTimeOffset? LastOutboundAt,
    DateTimeOffset? ClosedAt,
    string? CustomerName)
{
    /// <summary>The last inbound message has no agent reply after it.</summary>
    public bool Unanswered => ConversationQueries.IsUnanswered(LastInboundAt, LastOutboundAt);

    /// <summary>
    /// The topic in the tenant's Telegram support group, as a <c>t.me/c/…</c> link (a supergroup id <c>-100123</c> is
    /// chat <c>123</c> there); null when the conversation has no topic.
    /// </summary>
    public Uri? TelegramTopicLink => TelegramThreadId is { } thread && TelegramGroupId is { } group && group < -1_000_000_000_000
        ? new Uri($"https://t.me/c/{-(group + 1_000_000_000_000)}/{thread}")
        : null;
}

/// <summary>A message's delivery to one Telegram target (<c>group</c>: the topic; <c>private</c>: the customer's chat).</summary>
public sealed record InboxDelivery(string Target, TelegramDeliveryStatus Status, int Attempts, string? LastError, DateTimeOffset? SentAt);

/// <summary>A message in the conversation view, with its uploaded attachments and its Telegram deliveries.</summary>
public sealed record InboxMessage(
    Guid Id,
    long Seq,
    MessageDirection Direction,
    string Text,
    string? Agent,
    string Channel,
    string Interface,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    IReadOnlyList<AttachmentDescriptor> Attachments,
    IReadOnlyList<InboxDelivery> Deliveries);

/// <summary>The newest messages of a conversation and whether older ones exist.</summary>
public sealed record InboxHistory(IReadOnlyList<InboxMessage> Messages, bool HasEarlier);

/// <summary>
/// Reads one conversation for the agent's conversation view: the conversation, and its history in seq order with each
/// message's Telegram delivery state (the same data as <c>GET /v2/conversations/{id}/messages</c>). Reads run under the
/// tenant's row-level security, so another tenant's id is simply not found.
/// </summary>
public sealed class InboxThreads(NpgsqlDataSource dataSource)
{
    /// <summary>Messages one history read returns at most.</summary>
    public const int MaxHistory = 500;

    /// <summary>The conversation, or null when the tenant has none with that id.</summary>
    public async Task<InboxThread?> FindAsync(TenantInfo tenant, Guid conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(Command("""
            SELECT c.id, c.name, c.status, c.claimed_by, c.locale, c.channel, c.interface, c.last_seq, c.thread_id, c.telegram_group_id,
                   c.created_at, c.updated_at, c.last_inbound_at, c.last_outbound_at, c.closed_at, cu.display_name
            FROM conversations c
            LEFT JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
            WHERE c.tenant_id = $1 AND c.id = $2
            """, Uuid(tenant.Id), Uuid(conversationId)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new InboxThread(reader.GetGuid(0), Text(reader, 1), Enum.Parse<ConversationStatus>(reader.GetString(2)), Text(reader, 3),
            Text(reader, 4), reader.GetString(5), reader.GetString(6), reader.GetInt64(7), Long(reader, 8), Long(reader, 9),
            reader.GetFieldValue<DateTimeOffset>(10), reader.GetFieldValue<DateTimeOffset>(11), Time(reader, 12), Time(reader, 13), Time(reader, 14),
            Text(reader, 15));
    }

    /// <summary>
    /// The newest <paramref name="limit"/> messages of the conversation with a seq of at least <paramref name="fromSeq"/>
    /// (any, when null), in seq order.
    /// </summary>
    public async Task<InboxHistory> HistoryAsync(TenantInfo tenant, Guid conversationId, long? fromSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        limit = Math.Clamp(limit, 1, MaxHistory);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        // The newest `limit` messages from fromSeq on (or overall), in seq order, and whether earlier ones exist.
        batch.BatchCommands.Add(Command("""
            WITH picked AS (
                SELECT m.id, m.seq, m.direction, m.text, m.agent, m.channel, m.interface, m.created_at, m.edited_at, m.attachments::text AS attachments
                FROM messages m
                WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND m.seq >= $3
                ORDER BY m.seq DESC LIMIT $4
            )
            SELECT p.*, (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'target', d.target, 'status', d.status, 'attempts', d.attempts, 'lastError', d.last_error, 'sentAt', d.sent_at)
                        ORDER BY d.created_at), '[]'::jsonb)::text
                     FROM telegram_deliveries d WHERE d.tenant_id = $1 AND d.message_id = p.id),
                   EXISTS (SELECT 1 FROM messages e WHERE e.tenant_id = $1 AND e.conversation_id = $2 AND e.seq < (SELECT min(seq) FROM picked))
            FROM picked p ORDER BY p.seq
            """, Uuid(tenant.Id), Uuid(conversationId), new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = fromSeq ?? 0 },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = limit }));
        var messages = new List<InboxMessage>();
        var hasEarlier = false;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add(new InboxMessage(reader.GetGuid(0), reader.GetInt64(1), Enum.Parse<MessageDirection>(reader.GetString(2)), reader.GetString(3),
                    Text(reader, 4), reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), Time(reader, 8),
                    AttachmentLinker.Read(Text(reader, 9)) ?? [], ReadDeliveries(reader.GetString(10))));
                hasEarlier = reader.GetBoolean(11);
            }
        }
        return new InboxHistory(messages, hasEarlier);
    }

    private static List<InboxDelivery> ReadDeliveries(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var deliveries = new List<InboxDelivery>();
        foreach (var d in document.RootElement.EnumerateArray())
        {
            deliveries.Add(new InboxDelivery(
                d.GetProperty("target").GetString() ?? "",
                Enum.TryParse<TelegramDeliveryStatus>(d.GetProperty("status").GetString(), out var status) ? status : TelegramDeliveryStatus.Pending,
                d.GetProperty("attempts").GetInt32(),
                d.GetProperty("lastError").GetString(),
                d.GetProperty("sentAt").ValueKind == System.Text.Json.JsonValueKind.Null ? null : d.GetProperty("sentAt").GetDateTimeOffset()));
        }
        return deliveries;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Uuid(Guid value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value };

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
