using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Attachments;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Telegram.Delivery;

/// <summary>A claimed delivery: what to send, and the lease that fences its outcome.</summary>
internal sealed record DueTelegramDelivery(Guid Id, Guid TenantId, Guid ConversationId, string Kind, string Target, Guid? MessageId, string Payload,
    int Attempts, Guid LeaseId);

/// <summary>
/// Carries out one delivery in its tenant's scope: opens the conversation's topic when it has none (title, welcome card
/// with Claim / Close), posts into it, keeps title and card in step with the conversation, writes to the customer's
/// private chat, and heals a deleted topic by opening a new one with a summary of what came before. Telegram's answer
/// decides the record: sent (with the Telegram message id, stored before the event counts as delivered), failed for
/// good, dead after the sender's retries, or, for a request that got no answer, failed without a resend — a message is
/// never posted twice.
/// </summary>
internal sealed partial class TelegramDeliveryExecutor(NpgsqlDataSource dataSource, TelegramSender sender, TelegramChannelSecrets secrets,
    TelegramChannelFailures channels, IAttachmentStorage storage, ILogger<TelegramDeliveryExecutor> logger)
{
    private const int SummaryMessages = 10;

    /// <summary>What a message of an erased conversation says when Telegram would not let the bot delete it.</summary>
    internal const string ErasedText = "(erased)";

    public async Task DeliverAsync(DueTelegramDelivery due, CancellationToken cancellationToken)
    {
        var context = await LoadAsync(due, cancellationToken);
        if (context is null)
        {
            await RecordAsync(due, Outcome.Failed("The conversation or the Telegram channel no longer exists."), cancellationToken);
            return;
        }
        var bot = new TelegramBot(due.TenantId, secrets.Unprotect(due.TenantId, context.ProtectedSecrets).BotToken);
        var payload = JsonDocument.Parse(due.Payload).RootElement;
        Outcome outcome;
        try
        {
            outcome = (due.Kind, due.Target) switch
            {
                ("topic", "group") => await OpenTopicAsync(bot, context, cancellationToken),
                // A file alone is a message: its text has nothing to post, its files are deliveries of their own.
                ("message", "group") when Str(payload, "text").Length == 0 && HasAttachments(payload) => Outcome.Sent(context.SupportGroupId, null),
                // Files do not go to the customer's private chat yet: the chat is told their names.
                ("message", "private") when Str(payload, "text").Length == 0 && HasAttachments(payload) =>
                    await SendPrivateAsync(bot, context, FileNames(payload), due.MessageId, cancellationToken),
                ("message", "group") => await PostInTopicAsync(bot, context, due, payload, cancellationToken),
                ("message", "private") => await SendPrivateAsync(bot, context, PrivateText(payload), due.MessageId, cancellationToken),
                (_, "group") when FileIndex(due.Kind) is { } index => await PostFileInTopicAsync(bot, context, due, payload, index, cancellationToken),
                ("joined", "private") => await SendPrivateAsync(bot, context, $"{Str(payload, "agent")} joined the conversation.", null, cancellationToken),
                ("card", "group") => await RefreshTopicAsync(bot, context, cancellationToken),
                ("closed", "group") => await CloseTopicAsync(bot, context, payload, cancellationToken),
                ("erase", _) => await EraseAsync(bot, payload, cancellationToken),
                _ => Outcome.Failed($"Unknown delivery {due.Kind} → {due.Target}."),
            };
        }
        catch (TelegramSendException ex)
        {
            outcome = await FailureAsync(due, context, ex, cancellationToken);
        }
        await RecordAsync(due, outcome, cancellationToken);
    }

    private async Task<Outcome> OpenTopicAsync(TelegramBot bot, DeliveryContext context, CancellationToken cancellationToken)
    {
        var (_, card) = await EnsureTopicAsync(bot, context, cancellationToken);
        return Outcome.Sent(context.SupportGroupId, card);
    }

    private Task<Outcome> PostInTopicAsync(TelegramBot bot, DeliveryContext context, DueTelegramDelivery due, JsonElement payload,
        CancellationToken cancellationToken)
    {
        var direction = Str(payload, "direction");
        var text = direction switch
        {
            "INBOUND" => Str(payload, "text"),
            "SYSTEM" => $"📝 {Str(payload, "text")}",
            _ => $"🎧 {Str(payload, "agent")}: {Str(payload, "text")}",
        };
        var silent = direction != "INBOUND" || context.Silent;
        return InTopicAsync(bot, context, due, thread => PostAsync(bot, context, thread, text, silent, due.MessageId, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// One uploaded file of a message (<c>file:{index}</c>): its bytes from storage into the topic, an image with sendPhoto,
    /// anything else with sendDocument, as silent as the message's text. One Telegram call, one record (ADR 0025).
    /// </summary>
    private async Task<Outcome> PostFileInTopicAsync(TelegramBot bot, DeliveryContext context, DueTelegramDelivery due, JsonElement payload, int index,
        CancellationToken cancellationToken)
    {
        if (!payload.TryGetProperty("attachments", out var list) || list.ValueKind != JsonValueKind.Array || index >= list.GetArrayLength()
            || list[index].Deserialize<AttachmentDescriptor>(JsonSerializerOptions.Web) is not { } file)
        {
            return Outcome.Failed($"The message has no attachment {index}.");
        }
        var key = await StorageKeyAsync(due.TenantId, file.Id, cancellationToken);
        if (key is null)
        {
            return Outcome.Failed($"The attachment {file.Id} no longer exists.");
        }
        var silent = Str(payload, "direction") != "INBOUND" || context.Silent;
        var asPhoto = file.ContentType is "image/png" or "image/jpeg" or "image/gif" or "image/webp";
        async Task<Stream> OpenAsync(CancellationToken ct) => await storage.OpenReadAsync(key, ct) ?? throw new MissingBytesException();
        try
        {
            return await InTopicAsync(bot, context, due, async thread =>
            {
                var sent = await sender.SendFileAsync(bot, context.SupportGroupId, thread, silent, asPhoto, file.Name, OpenAsync, cancellationToken);
                await ReferenceAsync(context, context.SupportGroupId, sent.MessageId, due.MessageId, cancellationToken);
                return Outcome.Sent(context.SupportGroupId, sent.MessageId);
            }, cancellationToken);
        }
        catch (MissingBytesException)
        {
            // Thrown before the upload started: nothing reached Telegram.
            return Outcome.Failed($"The bytes of attachment {file.Id} are missing from storage.");
        }
    }

    private sealed class MissingBytesException : Exception;

    // Posts into the conversation's topic, opening it first when needed, reopening a closed one and healing a deleted one.
    private async Task<Outcome> InTopicAsync(TelegramBot bot, DeliveryContext context, DueTelegramDelivery due, Func<int, Task<Outcome>> post,
        CancellationToken cancellationToken)
    {
        var (thread, _) = await EnsureTopicAsync(bot, context, cancellationToken);
        try
        {
            return await post(thread);
        }
        catch (TelegramSendException ex) when (IsClosedTopic(ex))
        {
            // A customer wrote again after the close: the topic opens again with the conversation.
            await sender.SetForumTopicOpenAsync(bot, context.SupportGroupId, thread, open: true, cancellationToken);
            return await post(thread);
        }
        catch (TelegramSendException ex) when (IsMissingTopic(ex))
        {
            LogTopicHealed(logger, due.TenantId, due.ConversationId);
            context = context with { ThreadId = null, CardMessageId = null };
            var (healed, _) = await EnsureTopicAsync(bot, context, cancellationToken);
            var summary = await SummaryAsync(due, cancellationToken);
            await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(context.SupportGroupId, summary, healed, Silent: true), cancellationToken);
            return await post(healed);
        }
    }

    private static int? FileIndex(string kind) =>
        kind.StartsWith("file:", StringComparison.Ordinal) && int.TryParse(kind.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static string FileNames(JsonElement payload) =>
        "📎 " + string.Join(", ", payload.GetProperty("attachments").EnumerateArray().Select(a => Str(a, "name")));

    private static bool HasAttachments(JsonElement payload) =>
        payload.TryGetProperty("attachments", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0;

    private async Task<string?> StorageKeyAsync(Guid tenantId, Guid attachmentId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT storage_key FROM attachments WHERE tenant_id = $1 AND id = $2")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = attachmentId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
    }

    private async Task<Outcome> PostAsync(TelegramBot bot, DeliveryContext context, int thread, string text, bool silent, Guid? messageId,
        CancellationToken cancellationToken)
    {
        var sent = await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(context.SupportGroupId, Truncate(text), thread, silent), cancellationToken);
        await ReferenceAsync(context, context.SupportGroupId, sent.MessageId, messageId, cancellationToken);
        return Outcome.Sent(context.SupportGroupId, sent.MessageId);
    }

    private async Task<Outcome> SendPrivateAsync(TelegramBot bot, DeliveryContext context, string text, Guid? messageId, CancellationToken cancellationToken)
    {
        if (context.CustomerChatId is not { } chatId)
        {
            return Outcome.Failed("The customer has no Telegram chat with the bot.");
        }
        if (!context.CustomerReachable)
        {
            return Outcome.Failed("The customer blocked the bot.");
        }
        var sent = await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(chatId, Truncate(text)), cancellationToken);
        await ReferenceAsync(context, chatId, sent.MessageId, messageId, cancellationToken);
        return Outcome.Sent(chatId, sent.MessageId);
    }

    // Title and card follow the conversation as it is now, so a late or repeated update can only ever show the truth.
    private async Task<Outcome> RefreshTopicAsync(TelegramBot bot, DeliveryContext context, CancellationToken cancellationToken)
    {
        if (context.ThreadId is null || context.TopicGroupId != context.SupportGroupId)
        {
            var (_, card) = await EnsureTopicAsync(bot, context, cancellationToken);
            return Outcome.Sent(context.SupportGroupId, card);
        }
        var thread = (int)context.ThreadId.Value;
        await IgnoreUnchangedAsync(() => sender.EditForumTopicAsync(bot, context.SupportGroupId, thread, Title(context), cancellationToken));
        if (context.CardMessageId is { } cardId)
        {
            await IgnoreUnchangedAsync(() => sender.EditMessageTextAsync(bot, context.SupportGroupId, (int)cardId, Card(context),
                TopicTitleFormatter.CardButtons(context.ConversationId, context.ClaimedBy, context.Closed), cancellationToken));
        }
        return Outcome.Sent(context.SupportGroupId, context.CardMessageId);
    }

    private async Task<Outcome> CloseTopicAsync(TelegramBot bot, DeliveryContext context, JsonElement payload, CancellationToken cancellationToken)
    {
        if (context.ThreadId is null || context.TopicGroupId != context.SupportGroupId)
        {
            return Outcome.Sent(context.SupportGroupId, null); // never had a topic here: nothing to close
        }
        var thread = (int)context.ThreadId.Value;
        var closedBy = payload.TryGetProperty("closedBy", out var by) && by.ValueKind == JsonValueKind.String ? $" by {by.GetString()}" : "";
        var notice = await sender.SendMessageAsync(bot,
            new TelegramOutgoingMessage(context.SupportGroupId, $"☑️ Conversation closed{closedBy}.", thread, Silent: true), cancellationToken);
        await RefreshTopicAsync(bot, context, cancellationToken);
        if (context.Closed)
        {
            await IgnoreUnchangedAsync(() => sender.SetForumTopicOpenAsync(bot, context.SupportGroupId, thread, open: false, cancellationToken));
        }
        return Outcome.Sent(context.SupportGroupId, notice.MessageId);
    }

    // An erased customer's conversation: each Telegram message of it we know of goes (ADR 0033). Telegram refuses to delete
    // what it deems too old; the bot's own text is then overwritten instead, and anything else fails with Telegram's reason.
    private async Task<Outcome> EraseAsync(TelegramBot bot, JsonElement payload, CancellationToken cancellationToken)
    {
        var chatId = payload.GetProperty("chatId").GetInt64();
        var messageId = payload.GetProperty("telegramMessageId").GetInt32();
        try
        {
            await sender.DeleteMessageAsync(bot, chatId, messageId, cancellationToken);
        }
        catch (TelegramSendException ex) when (ex.Failure == TelegramFailure.Rejected
                                               && ex.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            // Gone already.
        }
        catch (TelegramSendException ex) when (ex.Failure == TelegramFailure.Rejected
                                               && ex.Message.Contains("can't be deleted", StringComparison.OrdinalIgnoreCase))
        {
            await IgnoreUnchangedAsync(() => sender.EditMessageTextAsync(bot, chatId, messageId, ErasedText, null, cancellationToken));
        }
        return Outcome.Sent(chatId, null);
    }

    /// <summary>
    /// The conversation's topic in the channel's current support group: opened (title, then welcome card) when it has none.
    /// The topic is recorded before the card is sent, so a crash between the two never opens a second topic.
    /// </summary>
    private async Task<(int Thread, long? Card)> EnsureTopicAsync(TelegramBot bot, DeliveryContext context, CancellationToken cancellationToken)
    {
        int thread;
        if (context.ThreadId is { } existing && context.TopicGroupId == context.SupportGroupId)
        {
            thread = (int)existing;
            if (context.CardMessageId is { } card)
            {
                return (thread, card);
            }
        }
        else
        {
            var topic = await sender.CreateForumTopicAsync(bot, context.SupportGroupId, Title(context), cancellationToken);
            thread = topic.MessageThreadId;
            await SaveTopicAsync(context, thread, null, cancellationToken);
        }
        var sent = await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(context.SupportGroupId, Card(context), thread, context.Silent,
            TopicTitleFormatter.CardButtons(context.ConversationId, context.ClaimedBy, context.Closed)), cancellationToken);
        await SaveTopicAsync(context, thread, sent.MessageId, cancellationToken);
        await ReferenceAsync(context, context.SupportGroupId, sent.MessageId, null, cancellationToken);
        return (thread, sent.MessageId);
    }

    private async Task<Outcome> FailureAsync(DueTelegramDelivery due, DeliveryContext context, TelegramSendException ex, CancellationToken cancellationToken)
    {
        switch (ex.Failure)
        {
            case TelegramFailure.Unauthorized:
                // The token was revoked: the channel stops (no retry storm) and its deliveries wait for a reconnect.
                await channels.StopAsync(due.TenantId, context.ChannelId, "token revoked", ex.Message, cancellationToken);
                return Outcome.Retry(ex.Message);
            case TelegramFailure.Forbidden when due.Target == "private":
                await MarkCustomerUnreachableAsync(due.TenantId, context, cancellationToken);
                return Outcome.Failed("The customer blocked the bot.");
            case TelegramFailure.Forbidden:
                await channels.StopAsync(due.TenantId, context.ChannelId, "bot removed from the support group", ex.Message, cancellationToken);
                return Outcome.Retry(ex.Message);
            case TelegramFailure.RetriesExhausted:
                return Outcome.Dead(ex.Message);
            case TelegramFailure.OutcomeUnknown:
                // Telegram may have posted it: sending again could post it twice. It stays visible as failed.
                return Outcome.Failed($"Sent without an answer from Telegram; not sent again so it cannot appear twice ({ex.Message}).");
            default:
                return Outcome.Failed(ex.Message);
        }
    }

    private static bool IsMissingTopic(TelegramSendException ex) =>
        ex.Failure == TelegramFailure.Rejected && ex.Message.Contains("thread not found", StringComparison.OrdinalIgnoreCase);

    private static bool IsClosedTopic(TelegramSendException ex) =>
        ex.Failure == TelegramFailure.Rejected && ex.Message.Contains("TOPIC_CLOSED", StringComparison.OrdinalIgnoreCase);

    private static async Task IgnoreUnchangedAsync(Func<Task> edit)
    {
        try
        {
            await edit();
        }
        catch (TelegramSendException ex) when (ex.Failure == TelegramFailure.Rejected
                                               && (ex.Message.Contains("not modified", StringComparison.OrdinalIgnoreCase)
                                                   || ex.Message.Contains("TOPIC_NOT_MODIFIED", StringComparison.OrdinalIgnoreCase)))
        {
        }
    }

    private static string Title(DeliveryContext c) => TopicTitleFormatter.Title(c.ConversationId, c.Name, c.ClaimedBy, c.Closed);

    private static string Card(DeliveryContext c) =>
        TopicTitleFormatter.Card(c.ConversationId, c.Name, c.Channel, c.Interface, c.CreatedAt, c.ClaimedBy, c.Closed);

    private static string PrivateText(JsonElement payload) => Str(payload, "text");

    private static string Str(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static string Truncate(string text) => text.Length <= 4096 ? text : text[..4095] + "…";

    private async Task<string> SummaryAsync(DueTelegramDelivery due, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(due.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT direction, agent, text FROM (
                SELECT m.seq, m.direction, m.agent, m.text FROM messages m
                WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND ($3::uuid IS NULL OR m.id <> $3)
                ORDER BY m.seq DESC LIMIT $4) last
            ORDER BY seq
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.ConversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.MessageId is { } id ? id : DBNull.Value },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = SummaryMessages },
            },
        });
        var summary = new StringBuilder("♻️ The earlier topic of this conversation was deleted; it continues here.");
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var any = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            summary.Append(any ? "\n" : "\nEarlier messages:\n");
            any = true;
            var line = reader.GetString(0) switch
            {
                "Inbound" => $"👤 {reader.GetString(2)}",
                "System" => $"📝 {reader.GetString(2)}",
                _ => $"🎧 {(reader.IsDBNull(1) ? "agent" : reader.GetString(1))}: {reader.GetString(2)}",
            };
            summary.Append(line.Length > 300 ? line[..299] + "…" : line);
        }
        return Truncate(summary.ToString());
    }

    private async Task<DeliveryContext?> LoadAsync(DueTelegramDelivery due, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(due.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT c.name, c.status, c.claimed_by, c.thread_id, c.telegram_group_id, c.telegram_card_message_id, c.channel, c.interface,
                   c.created_at, ch.bot_id, ch.support_group_id, ch.silent, ch.protected_secrets, ci.external_id, ci.is_active, ch.id
            FROM conversations c
            JOIN telegram_channels ch ON ch.tenant_id = c.tenant_id
            LEFT JOIN LATERAL (SELECT i.external_id, i.is_active FROM customer_identities i
                               WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.customer_id AND i.kind = 'Telegram'
                               ORDER BY i.created_at LIMIT 1) ci ON true
            WHERE c.tenant_id = $1 AND c.id = $2
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.ConversationId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        long? chatId = !reader.IsDBNull(13) && long.TryParse(reader.GetString(13), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
        return new DeliveryContext(due.TenantId, due.ConversationId,
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.GetString(1) == "Closed",
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.IsDBNull(5) ? null : reader.GetInt64(5),
            reader.GetString(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8),
            reader.GetInt64(9), reader.GetInt64(10), reader.GetBoolean(11), reader.GetString(12),
            chatId, reader.IsDBNull(14) || reader.GetBoolean(14), reader.GetGuid(15));
    }

    private Task SaveTopicAsync(DeliveryContext context, int thread, long? card, CancellationToken cancellationToken) =>
        ExecuteAsync(context.TenantId, """
            UPDATE conversations SET thread_id = $3, telegram_group_id = $4, telegram_card_message_id = $5
            WHERE tenant_id = $1 AND id = $2
            """, cancellationToken, Uuid(context.ConversationId), Bigint(thread), Bigint(context.SupportGroupId), Bigint(card));

    private Task ReferenceAsync(DeliveryContext context, long chatId, long telegramMessageId, Guid? messageId, CancellationToken cancellationToken) =>
        ExecuteAsync(context.TenantId, """
            INSERT INTO telegram_message_refs (tenant_id, bot_id, chat_id, telegram_message_id, conversation_id, message_id, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT DO NOTHING
            """, cancellationToken, Bigint(context.BotId), Bigint(chatId), Bigint(telegramMessageId), Uuid(context.ConversationId),
            messageId is { } id ? Uuid(id) : new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = DBNull.Value });

    private Task MarkCustomerUnreachableAsync(Guid tenantId, DeliveryContext context, CancellationToken cancellationToken) =>
        ExecuteAsync(tenantId, """
            UPDATE customer_identities SET is_active = false
            WHERE tenant_id = $1 AND kind = 'Telegram' AND external_id = $2
            """, cancellationToken, Text(context.CustomerChatId?.ToString(CultureInfo.InvariantCulture) ?? ""));

    // Fenced by the lease: if it lapsed and another sender took the delivery, this outcome is dropped.
    private Task RecordAsync(DueTelegramDelivery due, Outcome outcome, CancellationToken cancellationToken) =>
        ExecuteAsync(due.TenantId, """
            UPDATE telegram_deliveries SET status = $4, attempts = attempts + 1, chat_id = coalesce($5, chat_id),
                telegram_message_id = coalesce($6, telegram_message_id), last_error = $7,
                sent_at = CASE WHEN $4 = 'Sent' THEN now() ELSE sent_at END,
                next_attempt_at = CASE WHEN $4 = 'Pending' THEN now() + interval '30 seconds' ELSE next_attempt_at END,
                lease_id = NULL, leased_until = NULL
            WHERE tenant_id = $1 AND id = $2 AND lease_id = $3
            """, CancellationToken.None, Uuid(due.Id), Uuid(due.LeaseId), Text(outcome.Status.ToString()), Bigint(outcome.ChatId),
            Bigint(outcome.TelegramMessageId), Text(outcome.Error is { Length: > 1000 } e ? e[..1000] : outcome.Error));

    private async Task ExecuteAsync(Guid tenantId, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId });
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Uuid(Guid value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value };

    private static NpgsqlParameter Bigint(long? value) => new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = value is null ? DBNull.Value : value };

    private sealed record DeliveryContext(Guid TenantId, Guid ConversationId, string? Name, bool Closed, string? ClaimedBy, long? ThreadId,
        long? TopicGroupId, long? CardMessageId, string Channel, string Interface, DateTimeOffset CreatedAt, long BotId, long SupportGroupId,
        bool Silent, string ProtectedSecrets, long? CustomerChatId, bool CustomerReachable, Guid ChannelId);

    private sealed record Outcome(TelegramDeliveryStatus Status, long? ChatId, long? TelegramMessageId, string? Error)
    {
        public static Outcome Sent(long chatId, long? telegramMessageId) => new(TelegramDeliveryStatus.Sent, chatId, telegramMessageId, null);

        public static Outcome Failed(string error) => new(TelegramDeliveryStatus.Failed, null, null, error);

        public static Outcome Dead(string error) => new(TelegramDeliveryStatus.Dead, null, null, error);

        /// <summary>Not now: stays pending (its channel stopped; it goes once the tenant reconnects).</summary>
        public static Outcome Retry(string error) => new(TelegramDeliveryStatus.Pending, null, null, error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Telegram topic of conversation {ConversationId} (tenant {TenantId}) was gone; opened a new one")]
    private static partial void LogTopicHealed(ILogger logger, Guid tenantId, Guid conversationId);

}
