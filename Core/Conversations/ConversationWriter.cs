using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Attachments;
using OmniChat.Core.Audit;
using OmniChat.Core.Contracts;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;

namespace OmniChat.Core.Conversations;

/// <summary>A stored message as the APIs return it.</summary>
public sealed record MessageRecord(Guid Id, Guid ConversationId, long Seq, MessageDirection Direction, string Text, string? Agent, DateTimeOffset CreatedAt)
{
    /// <summary>The uploaded attachments the message carries, when this call linked any.</summary>
    public IReadOnlyList<AttachmentDescriptor>? Attachments { get; init; }
}

/// <summary>The outcome of adding a message: the message, and whether this call created it (false for an idempotent repeat).</summary>
public sealed record AddedMessage(MessageRecord Message, bool Created);

/// <summary>A conversation just started, with the refresh token of its first token family (shown once).</summary>
public sealed record StartedConversation(Guid ConversationId, string RefreshToken);

/// <summary>Who sends a message, and through which channel and interface.</summary>
public sealed record MessageSource(MessageDirection Direction, string? Agent = null, string Channel = "web", string Interface = "widget")
{
    /// <summary>For a note (<see cref="MessageDirection.System"/>): the template key it came from, if any.</summary>
    public string? NoteKey { get; init; }

    /// <summary>
    /// Claim-before-reply: the message is written only while <see cref="Agent"/> holds the conversation's claim; otherwise
    /// 409 <c>not_claimed</c> (naming who holds it). The one rule every agent surface goes through (v2 API, Telegram, portal).
    /// </summary>
    public bool RequiresClaim { get; init; }

    /// <summary>A customer writing again reopens a closed conversation (Telegram, v2 widget); the frozen v1 API answers 409.</summary>
    public bool ReopensClosed { get; init; }

    /// <summary>Attachment descriptors, JSON (for example Telegram file references), stored with the message.</summary>
    public string? Attachments { get; init; }

    /// <summary>
    /// Uploaded attachments (<see cref="AttachmentLinker"/> sets these with <see cref="Attachments"/>): the message's own
    /// statement links them to it, and writes nothing when another message took one first (409 <c>attachment_already_linked</c>).
    /// </summary>
    public IReadOnlyList<AttachmentDescriptor>? LinkedAttachments { get; init; }
}

/// <summary>
/// The write path (SPEC §6). Each change is one SQL statement, sent in one round trip with the tenant set for row-level
/// security: the sequence bump under the conversation's row lock, the row itself, and the outbox row of its domain event
/// commit together or not at all. After commit the event is published on Redis for the realtime hubs.
/// </summary>
public sealed class ConversationWriter(NpgsqlDataSource dataSource, IRealtimePublisher realtime, TimeProvider time)
{
    // The jsonb path of an event payload's seq (a raw interpolated string cannot hold a literal brace).
    private const string SeqPath = "'{seq}'";
    private const string ClientMessageIdIndex = "ix_messages_tenant_id_conversation_id_client_message_id";
    // Raised by attachments_all_linked() when a message's attachment was linked by another message first.
    private const string AttachmentTakenState = "OC409";

    /// <summary>
    /// Starts a conversation and the first refresh-token family for its visitor, unless the tenant reached a hard limit of its
    /// plan this period (<see cref="LimitExceededException"/>, checked in the same statement: no extra round trip).
    /// <paramref name="enforceLimits"/> false only for the platform's own probes (the deep health check).
    /// </summary>
    public async Task<StartedConversation> StartAsync(TenantInfo tenant, string? name, string? locale, string? metadataJson,
        string channel, string @interface, CancellationToken cancellationToken, AuditActor? audit = null, Guid? customerId = null,
        bool enforceLimits = true)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetDatabaseNow();
        var conversationId = Guid.CreateVersion7(now);
        var refreshToken = RefreshTokenSecret.Generate();
        var started = new ConversationStarted(Guid.CreateVersion7(now), tenant.Id, conversationId, now, name, locale, channel);

        await using var batch = TenantBatch(tenant.Id, $$"""
            WITH allowed AS (
                SELECT 1 FROM tenants t JOIN plans p ON p.id = t.plan_id
                WHERE t.id = $1 AND (NOT $21 OR ({{UsageMeters.UnderHardLimitsSql("$1", "$20")}}))
            ), c AS (
                INSERT INTO conversations (id, tenant_id, name, status, last_seq, locale, metadata, channel, interface, created_at, updated_at, customer_id)
                SELECT $2, $1, $3, 'Open', 0, $4, $5, $6, $7, $8, $8, $19 FROM allowed
                RETURNING id
            ), o AS (
                INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
                SELECT $9, $1, 'ConversationStarted', $10, id, NULL, $8, $8, 0 FROM c
            ), audited AS (
                INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
                SELECT $15, $1, $16, $17, 'conversation.started', 'conversation', id::text, $18, $10, $8 FROM c WHERE $16 IS NOT NULL
            )
            INSERT INTO refresh_tokens (id, tenant_id, conversation_id, family_id, token_hash, created_at, expires_at)
            SELECT $11, $1, id, $12, $13, $8, $14 FROM c
            """,
            Uuid(tenant.Id), Uuid(conversationId), Text(name), Text(locale), Jsonb(metadataJson), Text(channel), Text(@interface),
            Time(now), Uuid(started.EventId), Jsonb(JsonSerializer.Serialize(started, CoreJson.Default.ConversationStarted)),
            Uuid(Guid.CreateVersion7(now)), Uuid(Guid.CreateVersion7(now)), Bytes(RefreshTokenSecret.Hash(refreshToken)),
            Time(now + RefreshToken.Lifetime), Uuid(Guid.CreateVersion7(now)), Text(audit?.Actor), Text(audit?.ActorType), Text(audit?.RequestId),
            NullableUuid(customerId), new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = UsageMeters.PeriodStart(now) },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = enforceLimits });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (batch.BatchCommands[^1].RecordsAffected == 0)
        {
            throw await UsageMeters.RefusalAsync(dataSource, tenant, now, cancellationToken);
        }
        ConversationMetrics.ConversationStarted(tenant.Id);

        await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.ConversationStarted, tenant.Id, conversationId, now) { Name = name });
        return new StartedConversation(conversationId, refreshToken);
    }

    /// <summary>
    /// Adds a message with the next sequence number. With <paramref name="clientMessageId"/>, a repeat returns the first
    /// message (<see cref="AddedMessage.Created"/> false) and writes nothing.
    /// </summary>
    public async Task<AddedMessage> AddMessageAsync(TenantInfo tenant, Guid conversationId, MessageSource source, string text,
        Guid? clientMessageId, CancellationToken cancellationToken, AuditActor? audit = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(source);
        var now = time.GetDatabaseNow();
        var messageId = Guid.CreateVersion7(now);
        var direction = source.Direction.ToString();
        var linked = source.LinkedAttachments is { Count: > 0 } uploads ? uploads : null;
        var added = new MessageAdded(Guid.CreateVersion7(now), tenant.Id, conversationId, now, messageId, 0, direction.ToUpperInvariant(),
            text, source.Agent, clientMessageId, source.NoteKey, linked);

        await using var batch = TenantBatch(tenant.Id, null);
        if (clientMessageId is not null)
        {
            batch.BatchCommands.Add(Command(ExistingMessageSql, Uuid(tenant.Id), Uuid(conversationId), NullableUuid(clientMessageId)));
        }
        // The widget's plain message (no clientMessageId, no audit actor) is the hot path: its statement leaves out the
        // duplicate probe and the audit insert instead of running them against NULL (bench scenario 1 measured both).
        var duplicateProbe = clientMessageId is null ? ""
            : "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND m.client_message_id = $3)";
        // Rare paths add their conditions; the widget's hot statement stays as it was.
        var reopen = source.ReopensClosed
            ? ",\n                    status = CASE WHEN status = 'Closed' THEN 'Open' ELSE status END,\n                    claimed_by = CASE WHEN status = 'Closed' THEN NULL ELSE claimed_by END,\n                    closed_at = NULL"
            : "";
        var openCondition = source.ReopensClosed ? "" : "AND status <> 'Closed'";
        var claimCondition = source.RequiresClaim ? "AND claimed_by = $10" : "";
        var attachmentsColumn = source.Attachments is null ? "" : ", attachments";
        var nextParameter = audit is null ? 13 : 17;
        var attachmentsValue = source.Attachments is null ? "" : $", ${nextParameter++}";
        // Uploaded attachments are linked in this statement; if one was taken meanwhile the guard raises and nothing is written.
        var idsParameter = nextParameter;
        var linking = linked is null ? "" : $"""
            , linked AS (
                UPDATE attachments SET message_id = $6
                WHERE tenant_id = $1 AND conversation_id = $2 AND message_id IS NULL AND id = ANY(${idsParameter})
                  AND EXISTS (SELECT 1 FROM inserted)
                RETURNING id
            )
            """;
        var linkGuard = linked is null ? "" : $"WHERE attachments_all_linked(cardinality(${idsParameter}), (SELECT count(*) FROM linked))";
        var audited = audit is null ? "" : """
            , audited AS (
                INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
                SELECT $13, $1, $14, $15, 'message.added', 'conversation', $2::text, $16, jsonb_build_object('messageId', $6, 'seq', seq), $5
                FROM inserted
            )
            """;
        var write = Command($"""
            WITH bumped AS (
                UPDATE conversations SET last_seq = last_seq + 1, updated_at = $5,
                    last_inbound_at = CASE WHEN $4 = 'Inbound' THEN $5 ELSE last_inbound_at END,
                    last_outbound_at = CASE WHEN $4 = 'Outbound' THEN $5 ELSE last_outbound_at END,
                    first_inbound_at = CASE WHEN $4 = 'Inbound' THEN COALESCE(first_inbound_at, $5) ELSE first_inbound_at END,
                    first_response_at = CASE WHEN $4 = 'Outbound' AND first_response_at IS NULL AND first_inbound_at IS NOT NULL
                        THEN $5 ELSE first_response_at END,
                    channel = CASE WHEN $4 = 'Inbound' THEN $8 ELSE channel END,
                    interface = CASE WHEN $4 = 'Inbound' THEN $9 ELSE interface END{reopen}
                WHERE tenant_id = $1 AND id = $2 {openCondition} {claimCondition} {duplicateProbe}
                RETURNING last_seq,
                    CASE WHEN $4 = 'Outbound' AND first_response_at = $5
                        THEN extract(epoch FROM first_response_at - first_inbound_at)::float8 END AS first_response
            ), inserted AS (
                INSERT INTO messages (id, tenant_id, conversation_id, seq, direction, text, agent, client_message_id, channel, interface, created_at{attachmentsColumn})
                SELECT $6, $1, $2, last_seq, $4, $7, $10, $3, $8, $9, $5{attachmentsValue} FROM bumped
                RETURNING seq
            ){audited}{linking}
            INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
            SELECT $11, $1, 'MessageAdded', jsonb_set($12, {SeqPath}, to_jsonb(seq)), $2, seq, $5, $5, 0 FROM inserted {linkGuard}
            RETURNING seq, (SELECT first_response FROM bumped)
            """,
            Uuid(tenant.Id), Uuid(conversationId), NullableUuid(clientMessageId), Text(direction), Time(now), Uuid(messageId), Text(text),
            Text(source.Channel), Text(source.Interface), Text(source.Agent), Uuid(added.EventId),
            Jsonb(JsonSerializer.Serialize(added, CoreJson.Default.MessageAdded)));
        if (audit is not null)
        {
            write.Parameters.AddRange(new[] { Uuid(Guid.CreateVersion7(now)), Text(audit.Actor), Text(audit.ActorType), Text(audit.RequestId) });
        }
        if (source.Attachments is not null)
        {
            write.Parameters.Add(Jsonb(source.Attachments));
        }
        if (linked is not null)
        {
            write.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = linked.Select(a => a.Id).ToArray() });
        }
        batch.BatchCommands.Add(write);

        MessageRecord? existing = null;
        long? seq = null;
        double? firstResponse = null;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken); // set_config
            if (clientMessageId is not null)
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    existing = ReadMessage(reader, conversationId);
                }
                await reader.NextResultAsync(cancellationToken);
            }
            if (await reader.ReadAsync(cancellationToken))
            {
                seq = reader.GetInt64(0);
                firstResponse = reader.IsDBNull(1) ? null : reader.GetDouble(1);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == ClientMessageIdIndex)
        {
            // The same clientMessageId raced in from another request and won: answer with its message.
            existing = await FindByClientMessageIdAsync(tenant.Id, conversationId, clientMessageId!.Value, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == AttachmentTakenState)
        {
            throw AttachmentLinker.AlreadyLinked(null);
        }

        if (seq is null && existing is null && clientMessageId is { } key)
        {
            // Another request committed this clientMessageId between our duplicate check and our update.
            existing = await FindByClientMessageIdAsync(tenant.Id, conversationId, key, cancellationToken);
        }
        if (existing is not null)
        {
            return new AddedMessage(existing, Created: false);
        }
        if (seq is null)
        {
            var status = await StatusAsync(tenant.Id, conversationId, cancellationToken);
            throw status switch
            {
                null => ConversationNotFound(),
                { Status: ConversationStatus.Closed } => new ConflictException("conversation_closed", "The conversation is closed."),
                { ClaimedBy: var holder } when source.RequiresClaim && holder != source.Agent => NotClaimed(source.Agent, holder),
                // Closed and reopened between our update and this read: the caller may simply retry.
                _ => new ConflictException("conversation_changed", "The conversation changed while writing; retry."),
            };
        }

        ConversationMetrics.MessageWritten(tenant.Id, source.Direction);
        if (firstResponse is { } seconds)
        {
            ConversationMetrics.FirstResponseWritten(tenant.Id, seconds);
        }
        var message = new MessageRecord(messageId, conversationId, seq.Value, source.Direction, text, source.Agent, now) { Attachments = linked };
        await realtime.PublishAsync(new RealtimeEvent(
            source.Direction == MessageDirection.System ? RealtimeEvent.InfoNote : RealtimeEvent.Message, tenant.Id, conversationId, now)
        {
            Id = messageId,
            Seq = seq,
            Direction = direction.ToUpperInvariant(),
            Text = text,
            Agent = source.Agent,
            Key = source.NoteKey,
            Attachments = linked,
        });
        return new AddedMessage(message, Created: true);
    }

    /// <summary>
    /// Replaces a stored message's text in place (its author edited it where it was written, e.g. in Telegram): same id,
    /// same seq, <c>edited_at</c> set. Returns false when there is no such message or the text is already that.
    /// </summary>
    public async Task<bool> EditMessageAsync(TenantInfo tenant, Guid conversationId, Guid messageId, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var batch = TenantBatch(tenant.Id, """
            UPDATE messages SET text = $4, edited_at = $5
            WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 AND text IS DISTINCT FROM $4
            """, Uuid(tenant.Id), Uuid(conversationId), Uuid(messageId), Text(text), Time(time.GetDatabaseNow()));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return batch.BatchCommands[1].RecordsAffected > 0;
    }

    private static ConflictException NotClaimed(string? agent, string? holder) =>
        new("not_claimed", holder is null
            ? "Claim the conversation before replying."
            : $"The conversation is claimed by {holder}; only they can reply until it is released.")
        {
            Extensions = { ["claimedBy"] = holder, ["agent"] = agent },
        };

    /// <summary>Claims an open conversation for <paramref name="agent"/>. Exactly one of concurrent claimers wins;
    /// the others get <c>already_claimed</c>. Claiming again as the same agent is a no-op.</summary>
    public async Task<ConversationState> ClaimAsync(TenantInfo tenant, Guid conversationId, string agent, CancellationToken cancellationToken,
        AuditActor? audit = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetDatabaseNow();
        var claimed = new ConversationClaimed(Guid.CreateVersion7(now), tenant.Id, conversationId, now, agent);
        var state = await TransitionAsync(tenant.Id, conversationId,
            "status = 'Claimed', claimed_by = $4", "status = 'Open'", now, "ConversationClaimed",
            JsonSerializer.Serialize(claimed, CoreJson.Default.ConversationClaimed), claimed.EventId, audit, cancellationToken, Text(agent));
        if (state.Changed)
        {
            await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.AgentJoined, tenant.Id, conversationId, now) { Seq = state.Seq, Agent = agent });
            return state;
        }
        return state.Status switch
        {
            ConversationStatus.Claimed when state.ClaimedBy == agent => state,
            ConversationStatus.Closed => throw new ConflictException("conversation_closed", "The conversation is closed."),
            // Claimed by someone else, or released by them just after our attempt: either way another agent got there first.
            _ => throw new ConflictException("already_claimed", $"The conversation was claimed by {state.ClaimedBy ?? "another agent"}."),
        };
    }

    /// <summary>Releases a claimed conversation back to the queue. Releasing an open conversation is a no-op.</summary>
    public async Task<ConversationState> ReleaseAsync(TenantInfo tenant, Guid conversationId, CancellationToken cancellationToken,
        AuditActor? audit = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetDatabaseNow();
        var released = new ConversationReleased(Guid.CreateVersion7(now), tenant.Id, conversationId, now, null);
        var state = await TransitionAsync(tenant.Id, conversationId,
            "status = 'Open', claimed_by = NULL", "status = 'Claimed'", now, "ConversationReleased",
            JsonSerializer.Serialize(released, CoreJson.Default.ConversationReleased), released.EventId, audit, cancellationToken);
        if (state.Changed)
        {
            await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.AgentLeft, tenant.Id, conversationId, now) { Seq = state.Seq });
        }
        else if (state.Status == ConversationStatus.Closed)
        {
            throw new ConflictException("conversation_closed", "The conversation is closed.");
        }
        return state;
    }

    /// <summary>Closes a conversation. Closing a closed conversation is a no-op.</summary>
    public async Task<ConversationState> CloseAsync(TenantInfo tenant, Guid conversationId, string? closedBy, CancellationToken cancellationToken,
        AuditActor? audit = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetDatabaseNow();
        var closed = new ConversationClosed(Guid.CreateVersion7(now), tenant.Id, conversationId, now, closedBy);
        var state = await TransitionAsync(tenant.Id, conversationId,
            "status = 'Closed', closed_at = $3", "status <> 'Closed'", now, "ConversationClosed",
            JsonSerializer.Serialize(closed, CoreJson.Default.ConversationClosed), closed.EventId, audit, cancellationToken);
        if (state.Changed)
        {
            await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.ConversationClosed, tenant.Id, conversationId, now) { Seq = state.Seq });
        }
        return state;
    }

    /// <summary>Renames a conversation.</summary>
    public async Task<ConversationState> RenameAsync(TenantInfo tenant, Guid conversationId, string name, CancellationToken cancellationToken,
        AuditActor? audit = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetDatabaseNow();
        var renamed = new ConversationRenamed(Guid.CreateVersion7(now), tenant.Id, conversationId, now, name);
        var state = await TransitionAsync(tenant.Id, conversationId,
            "name = $4", "true", now, "ConversationRenamed",
            JsonSerializer.Serialize(renamed, CoreJson.Default.ConversationRenamed), renamed.EventId, audit, cancellationToken, Text(name));
        if (state.Changed)
        {
            await realtime.PublishAsync(new RealtimeEvent(RealtimeEvent.ConversationRenamed, tenant.Id, conversationId, now) { Seq = state.Seq, Name = name });
        }
        return state;
    }

    // One statement: the guarded update, its outbox row when it changed something, and the resulting state.
    private async Task<ConversationState> TransitionAsync(Guid tenantId, Guid conversationId, string set, string guard, DateTimeOffset now,
        string eventType, string payload, Guid eventId, AuditActor? audit, CancellationToken cancellationToken, NpgsqlParameter? value = null)
    {
        var action = AuditAction(eventType);
        // $4 is the transition's one value (agent, name), or a typed null when it has none.
        await using var batch = TenantBatch(tenantId, $"""
            WITH updated AS (
                UPDATE conversations SET {set}, updated_at = $3, last_seq = last_seq + 1
                WHERE tenant_id = $1 AND id = $2 AND {guard}
                RETURNING id, status, claimed_by, last_seq
            ), o AS (
                INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
                SELECT $5, $1, '{eventType}', jsonb_set($6, {SeqPath}, to_jsonb(last_seq)), id, last_seq, $3, $3, 0 FROM updated
            ), audited AS (
                INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
                SELECT $7, $1, $8, $9, '{action}', 'conversation', $2::text, $10, jsonb_set($6, {SeqPath}, to_jsonb(last_seq)), $3
                FROM updated WHERE $8 IS NOT NULL
            )
            SELECT status, claimed_by, last_seq FROM updated
            """,
            Uuid(tenantId), Uuid(conversationId), Time(now), value ?? Text(null), Uuid(eventId), Jsonb(payload),
            Uuid(Guid.CreateVersion7(now)), Text(audit?.Actor), Text(audit?.ActorType), Text(audit?.RequestId));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new ConversationState(conversationId, Enum.Parse<ConversationStatus>(reader.GetString(0)),
                    reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), Changed: true);
            }
        }
        return await StatusAsync(tenantId, conversationId, cancellationToken) ?? throw ConversationNotFound();
    }

    // ConversationClaimed → conversation.claimed
    private static string AuditAction(string eventType) =>
        "conversation." + eventType["Conversation".Length..].ToLowerInvariant();

    private async Task<ConversationState?> StatusAsync(Guid tenantId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var batch = TenantBatch(tenantId, "SELECT status, claimed_by, last_seq FROM conversations WHERE tenant_id = $1 AND id = $2",
            Uuid(tenantId), Uuid(conversationId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ConversationState(conversationId, Enum.Parse<ConversationStatus>(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetInt64(2), Changed: false)
            : null;
    }

    private async Task<MessageRecord?> FindByClientMessageIdAsync(Guid tenantId, Guid conversationId, Guid clientMessageId, CancellationToken cancellationToken)
    {
        await using var batch = TenantBatch(tenantId, ExistingMessageSql, Uuid(tenantId), Uuid(conversationId), NullableUuid(clientMessageId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadMessage(reader, conversationId) : null;
    }

    private const string ExistingMessageSql =
        "SELECT id, seq, direction, text, agent, created_at, attachments FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND client_message_id = $3";

    private static MessageRecord ReadMessage(NpgsqlDataReader reader, Guid conversationId) => new(
        reader.GetGuid(0), conversationId, reader.GetInt64(1), Enum.Parse<MessageDirection>(reader.GetString(2)), reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5))
    {
        Attachments = reader.IsDBNull(6) ? null : AttachmentLinker.Read(reader.GetString(6)),
    };

    /// <summary>A batch whose first command puts the tenant into the transaction for row-level security.</summary>
    private NpgsqlBatch TenantBatch(Guid tenantId, string? sql, params NpgsqlParameter[] parameters)
    {
        var batch = dataSource.CreateTenantBatch(tenantId);
        if (sql is not null)
        {
            batch.BatchCommands.Add(Command(sql, parameters));
        }
        return batch;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NotFoundException ConversationNotFound() => new("conversation_not_found", "The conversation does not exist.");

    private static NpgsqlParameter Uuid(Guid value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value };
    private static NpgsqlParameter NullableUuid(Guid? value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value is { } v ? v : DBNull.Value };
    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = value is null ? DBNull.Value : value };
    private static NpgsqlParameter Jsonb(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = value is null ? DBNull.Value : value };
    private static NpgsqlParameter Time(DateTimeOffset value) => new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = value };
    private static NpgsqlParameter Bytes(byte[] value) => new() { NpgsqlDbType = NpgsqlDbType.Bytea, Value = value };
}

/// <summary>A conversation's state after a transition, and whether the call changed it.</summary>
/// <see cref="Seq"/> is the conversation's last sequence number (the transition's own when it changed something).
public sealed record ConversationState(Guid ConversationId, ConversationStatus Status, string? ClaimedBy, long Seq, bool Changed);
