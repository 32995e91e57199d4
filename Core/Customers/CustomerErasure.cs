using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using OmniChat.Core.Attachments;
using OmniChat.Core.Audit;
using OmniChat.Core.Contracts;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using static OmniChat.Core.Persistence.SqlParameters;

namespace OmniChat.Core.Customers;

/// <summary>
/// What an erasure removed, by id and count, never the data itself: the customer (null when the conversation had no
/// customer record, and only it was erased), their conversations, the messages emptied, the files deleted, and when.
/// </summary>
public sealed record ErasureResult(Guid? CustomerId, IReadOnlyList<Guid> Conversations, long Messages, long Attachments, DateTimeOffset ErasedAt);

/// <summary>
/// Erases a customer's personal data everywhere we keep it (ADR 0033): the customer's name and locale, every identity
/// (Telegram user, web session, Mini App, connector), the text and files of every message in their conversations, the
/// conversations' names and metadata (renamed <c>erased</c>), the copies in the outbox and the event streams' history,
/// webhook and Telegram delivery payloads, the Telegram updates from their private chat, the visitor's refresh tokens,
/// and the personal fields of earlier audit entries. Files go first (a crash leaves rows without files, and erasing
/// again finishes the job); the rows change in one transaction. Each conversation gets a <see cref="ConversationRenamed"/>
/// event, so the Telegram topic we own is renamed <c>#&lt;short id&gt; erased</c> and open inboxes update. The audit
/// entry it leaves holds counts, never personal data. Erasing again is harmless.
/// </summary>
public sealed partial class CustomerErasure(NpgsqlDataSource dataSource, IAttachmentStorage storage, IRealtimePublisher realtime,
    TimeProvider time, ILogger<CustomerErasure> logger)
{
    /// <summary>The name an erased conversation keeps (its topic becomes <c>#&lt;short id&gt; erased</c>).</summary>
    public const string ErasedName = "erased";

    /// <summary>What an erased Telegram delivery that was still waiting says instead of being sent.</summary>
    public const string NotSentReason = "Not sent: the customer's personal data was erased.";

    /// <summary>Erases the personal data of the customer of <paramref name="conversationId"/> (404 <c>conversation_not_found</c>).</summary>
    public async Task<ErasureResult> EraseAsync(TenantInfo tenant, Guid conversationId, AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (customerId, conversations, telegramChats, files) = await ScopeAsync(tenant.Id, conversationId, cancellationToken);

        // Files first, outside any transaction: storage is a network call.
        foreach (var key in files)
        {
            await storage.DeleteAsync(key, cancellationToken);
        }

        var now = time.GetDatabaseNow();
        var renamed = conversations.Select(id => new ConversationRenamed(Guid.CreateVersion7(now), tenant.Id, id, now, ErasedName)).ToList();
        var (messages, attachments, seqs) = await EraseRowsAsync(tenant.Id, customerId, conversationId, conversations, telegramChats, files.Count,
            renamed, now, audit, cancellationToken);

        foreach (var (id, seq) in seqs)
        {
            await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.ConversationRenamed, tenant.Id, id, now) { Seq = seq, Name = ErasedName });
        }
        LogErased(logger, tenant.Id, customerId, conversations.Count, messages, attachments);
        return new ErasureResult(customerId, conversations, messages, attachments, now);
    }

    // The customer, all their conversations, their Telegram chats and the files to delete.
    private async Task<(Guid? Customer, List<Guid> Conversations, List<long> TelegramChats, List<string> Files)> ScopeAsync(Guid tenantId,
        Guid conversationId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT c.id, c.customer_id FROM conversations c
            WHERE c.tenant_id = $1 AND (c.id = $2 OR c.customer_id = (SELECT customer_id FROM conversations WHERE tenant_id = $1 AND id = $2))
            """) { Parameters = { Uuid(tenantId), Uuid(conversationId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT i.external_id FROM customer_identities i
            WHERE i.tenant_id = $1 AND i.kind IN ('Telegram', 'MiniApp')
              AND i.customer_id = (SELECT customer_id FROM conversations WHERE tenant_id = $1 AND id = $2)
            """) { Parameters = { Uuid(tenantId), Uuid(conversationId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT a.storage_key FROM attachments a
            WHERE a.tenant_id = $1 AND a.conversation_id IN (
                SELECT c.id FROM conversations c
                WHERE c.tenant_id = $1 AND (c.id = $2 OR c.customer_id = (SELECT customer_id FROM conversations WHERE tenant_id = $1 AND id = $2)))
            """) { Parameters = { Uuid(tenantId), Uuid(conversationId) } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config

        Guid? customer = null;
        var conversations = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            conversations.Add(reader.GetGuid(0));
            customer ??= reader.IsDBNull(1) ? null : reader.GetGuid(1);
        }
        if (!conversations.Contains(conversationId))
        {
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }

        await reader.NextResultAsync(cancellationToken);
        var chats = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (long.TryParse(reader.GetString(0), NumberStyles.Integer, CultureInfo.InvariantCulture, out var chat))
            {
                chats.Add(chat);
            }
        }

        await reader.NextResultAsync(cancellationToken);
        var files = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            files.Add(reader.GetString(0));
        }
        return (customer, conversations, chats, files);
    }

    // One transaction (the tenant batch): every row that holds the customer's personal data changes, and the audit entry
    // is written, or nothing is.
    private async Task<(long Messages, long Attachments, Dictionary<Guid, long> Seqs)> EraseRowsAsync(Guid tenantId, Guid? customerId,
        Guid conversationId, List<Guid> conversations, List<long> telegramChats, int files, List<ConversationRenamed> renamed,
        DateTimeOffset now, AuditActor? audit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        NpgsqlBatchCommand Add(string sql, params NpgsqlParameter[] parameters)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(Uuid(tenantId));
            command.Parameters.Add(Uuids(conversations));
            command.Parameters.AddRange(parameters);
            batch.BatchCommands.Add(command);
            return command;
        }

        // First, so that its rows are the reader's first result after set_config: the new name, and one rename event
        // per conversation (Telegram renames the topic, the event streams and webhooks tell the rename).
        Add("""
            WITH updated AS (
                UPDATE conversations SET name = $3, metadata = NULL, updated_at = $4, last_seq = last_seq + 1
                WHERE tenant_id = $1 AND id = ANY ($2)
                RETURNING id, last_seq
            ), events AS (
                INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
                SELECT e.event_id, $1, 'ConversationRenamed', jsonb_set(e.payload, '{seq}', to_jsonb(u.last_seq)), u.id, u.last_seq, $4, $4, 0
                FROM updated u JOIN unnest($5::uuid[], $6::uuid[], $7::jsonb[]) AS e(conversation_id, event_id, payload) ON e.conversation_id = u.id
                RETURNING partition_key, seq
            )
            SELECT partition_key, seq FROM events
            """, Text(ErasedName), Time(now), Uuids([.. renamed.Select(r => r.ConversationId)]), Uuids([.. renamed.Select(r => r.EventId)]),
            Jsonbs([.. renamed.Select(r => JsonSerializer.Serialize(r, CoreJson.Default.ConversationRenamed))]));
        var deletedFiles = Add("DELETE FROM attachments WHERE tenant_id = $1 AND conversation_id = ANY ($2)");
        var redactedMessages = Add("""
            UPDATE messages SET text = '', attachments = NULL, edited_at = $3
            WHERE tenant_id = $1 AND conversation_id = ANY ($2) AND (text <> '' OR attachments IS NOT NULL)
            """, Time(now));
        // The events' history (resume, event streams) and what was or will be delivered keep no personal field.
        Add("""
            UPDATE outbox_messages SET payload = redact_personal_data(payload)
            WHERE tenant_id = $1 AND partition_key = ANY ($2) AND payload IS DISTINCT FROM redact_personal_data(payload)
            """);
        Add("""
            UPDATE webhook_deliveries SET payload = redact_personal_data(payload::jsonb)::text
            WHERE tenant_id = $1 AND partition_key = ANY ($2) AND payload::jsonb IS DISTINCT FROM redact_personal_data(payload::jsonb)
            """);
        // What still waits to be copied into Telegram is not sent; what was sent keeps its outcome, without the text.
        Add("""
            UPDATE telegram_deliveries
            SET payload = redact_personal_data(payload),
                status = CASE WHEN status = 'Pending' AND message_id IS NOT NULL AND lease_id IS NULL THEN 'Failed' ELSE status END,
                last_error = CASE WHEN status = 'Pending' AND message_id IS NOT NULL AND lease_id IS NULL THEN $3 ELSE last_error END
            WHERE tenant_id = $1 AND conversation_id = ANY ($2)
            """, Text(NotSentReason));
        // Telegram's updates as received: the customer's private chat, and what was said in their topics (replies there
        // quote the topic's name).
        Add("""
            UPDATE inbound_updates u SET payload = jsonb_build_object('update_id', u.update_id, 'erased', true),
                processed_at = coalesce(u.processed_at, $4), last_error = coalesce(u.last_error, 'erased')
            WHERE u.tenant_id = $1 AND NOT (u.payload ? 'erased')
              AND (u.chat_id = ANY ($3) OR EXISTS (
                  SELECT 1 FROM conversations c
                  WHERE c.tenant_id = $1 AND c.id = ANY ($2) AND c.telegram_group_id = u.chat_id
                    AND c.thread_id::text = coalesce(u.payload #>> '{message,message_thread_id}', u.payload #>> '{edited_message,message_thread_id}',
                                                     u.payload #>> '{callback_query,message,message_thread_id}')))
            """, Bigints(telegramChats), Time(now));
        // What Telegram shows of these conversations goes too: the Workers delete each message we know of (the bot's copies,
        // the customer's and the agents' messages) in the topics and the private chat, after what was sent before (seq).
        // The topic stays, renamed, with its card.
        Add("""
            INSERT INTO telegram_deliveries (id, tenant_id, conversation_id, event_id, seq, kind, target, message_id, payload, status, attempts,
                                             next_attempt_at, created_at)
            SELECT gen_random_uuid(), $1, r.conversation_id, gen_random_uuid(), c.last_seq, 'erase',
                   CASE WHEN r.chat_id = ANY ($3) THEN 'private' ELSE 'group' END, NULL,
                   jsonb_build_object('chatId', r.chat_id, 'telegramMessageId', r.telegram_message_id), 'Pending', 0, $4, $4
            FROM telegram_message_refs r JOIN conversations c ON c.tenant_id = r.tenant_id AND c.id = r.conversation_id
            WHERE r.tenant_id = $1 AND r.conversation_id = ANY ($2) AND (r.message_id IS NOT NULL OR r.chat_id = ANY ($3))
            """, Bigints(telegramChats), Time(now));
        Add("""
            DELETE FROM telegram_message_refs
            WHERE tenant_id = $1 AND conversation_id = ANY ($2) AND (message_id IS NOT NULL OR chat_id = ANY ($3))
            """, Bigints(telegramChats));
        Add("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND conversation_id = ANY ($2)");
        Add("""
            UPDATE audit_entries SET details = redact_personal_data(details)
            WHERE tenant_id = $1 AND target_type = 'conversation' AND target_id = ANY ($2::text[])
              AND details IS DISTINCT FROM redact_personal_data(details)
            """);
        Add("UPDATE customers SET display_name = NULL, locale = NULL, updated_at = $4 WHERE tenant_id = $1 AND id = $3", Uuid(customerId), Time(now));
        Add("DELETE FROM customer_identities WHERE tenant_id = $1 AND customer_id = $3", Uuid(customerId));
        // Ids and counts only: the entry itself holds no personal data.
        Add("""
            INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
            SELECT $3, $1, $4, $5, 'customer.erased', $6, $7, $8,
                   jsonb_build_object('conversations', cardinality($2), 'attachments', $9::int,
                                      'messages', (SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = ANY ($2))),
                   $10
            """, Uuid(Guid.CreateVersion7(now)), Text(audit?.Actor ?? "system"), Text(audit?.ActorType ?? "system"),
            Text(customerId is null ? "conversation" : "customer"), Text((customerId ?? conversationId).ToString()), Text(audit?.RequestId),
            Count(files), Time(now));

        var seqs = new Dictionary<Guid, long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken); // set_config
            while (await reader.ReadAsync(cancellationToken))
            {
                seqs[reader.GetGuid(0)] = reader.GetInt64(1);
            }
            // The rest: statements without rows, each of which must succeed for the transaction to commit.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }
        return (redactedMessages.RecordsAffected, deletedFiles.RecordsAffected, seqs);
    }


    [LoggerMessage(Level = LogLevel.Information,
        Message = "Erased the personal data of customer {CustomerId} of tenant {TenantId}: {Conversations} conversations, {Messages} messages, {Attachments} attachments")]
    private static partial void LogErased(ILogger logger, Guid tenantId, Guid? customerId, int conversations, long messages, long attachments);
}
