using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Conversations;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;
using Telegram.Bot.Types.Enums;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>
/// Customers writing to the tenant's bot (SPEC §9): one customer per Telegram user per tenant (a <c>Telegram</c> identity
/// whose external id is the user id, which is also the private chat's id). A message starts a conversation of channel
/// <c>telegram</c>, interface <c>bot</c>, or continues the customer's latest one (a closed one reopens); agents' replies go
/// back to the chat through the outbound pipeline. <c>/start</c> greets with the tenant's <c>welcome</c> template. Blocking
/// the bot (<c>my_chat_member</c> → <c>kicked</c>) makes the identity inactive, so nothing more is sent there; unblocking
/// makes it active again.
/// </summary>
internal sealed partial class PrivateChatInbound(NpgsqlDataSource dataSource, ConversationWriter writer, TelegramSender sender, InboundTemplates templates,
    InboundEdits edits,
    ILogger<PrivateChatInbound> logger)
{
    public async Task HandleMessageAsync(InboundChannel channel, InboundMessage message, CancellationToken cancellationToken)
    {
        var tenant = channel.Tenant;
        if (tenant.Status != TenantStatus.Active)
        {
            // Suspended: the update is stored (the Api took it), the customer hears the tenant's offline text, nothing starts.
            var offline = await templates.ResolveAsync(tenant, "offline", Locale(message.From), cancellationToken);
            if (offline is not null && !message.Edited)
            {
                await SayAsync(channel, message.ChatId, offline, cancellationToken);
            }
            return;
        }
        if (message.Edited)
        {
            await edits.ApplyAsync(channel, message, null, cancellationToken);
            return;
        }
        var customer = await EnsureCustomerAsync(tenant.Id, message.From, cancellationToken);
        if (message.Command is { Name: "start" })
        {
            var greeting = await templates.ResolveAsync(tenant, "welcome", Locale(message.From), cancellationToken);
            if (greeting is not null)
            {
                await SayAsync(channel, message.ChatId, greeting, cancellationToken);
            }
            return;
        }
        Guid conversationId;
        try
        {
            conversationId = await LatestConversationAsync(tenant.Id, customer, cancellationToken)
                ?? (await writer.StartAsync(tenant, Clip(message.From.DisplayName, 100), Locale(message.From), null, "telegram", "bot", cancellationToken,
                    customerId: customer)).ConversationId;
        }
        catch (LimitExceededException)
        {
            // A new customer while the tenant is at a hard limit of its plan: say so instead of retrying the update for nothing.
            var unavailable = await templates.ResolveAsync(tenant, "unavailable", Locale(message.From), cancellationToken);
            if (unavailable is not null)
            {
                await SayAsync(channel, message.ChatId, unavailable, cancellationToken);
            }
            return;
        }
        var added = await writer.AddMessageAsync(tenant, conversationId,
            new MessageSource(MessageDirection.Inbound, Channel: "telegram", Interface: "bot")
            {
                ReopensClosed = true,
                Attachments = InboundText.Attachments(message),
            },
            InboundText.Of(message), TelegramUpdateHandler.ClientMessageId(channel.Bot.Id, message.ChatId, message.MessageId), cancellationToken);
        await InboundRefs.RecordAsync(dataSource, channel, message.ChatId, message.MessageId, conversationId, added.Message.Id, cancellationToken);
    }

    public async Task HandleMembershipAsync(InboundChannel channel, BotMembershipChanged change, CancellationToken cancellationToken)
    {
        bool? active = change.NewStatus switch
        {
            ChatMemberStatus.Kicked or ChatMemberStatus.Left => false,
            ChatMemberStatus.Member or ChatMemberStatus.Administrator => true,
            _ => null,
        };
        if (active is null)
        {
            return;
        }
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE customer_identities SET is_active = $3 WHERE tenant_id = $1 AND kind = 'Telegram' AND external_id = $2
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = change.ChatId.ToString(CultureInfo.InvariantCulture) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = active.Value },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        LogReachability(logger, channel.Tenant.Id, change.ChatId, active.Value);
    }

    // The customer of this Telegram user; a person who writes can be written to, so the identity is active again.
    private async Task<Guid> EnsureCustomerAsync(Guid tenantId, TelegramPerson person, CancellationToken cancellationToken)
    {
        var externalId = person.Id.ToString(CultureInfo.InvariantCulture);
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH known AS (
                UPDATE customer_identities SET is_active = true
                WHERE tenant_id = $1 AND kind = 'Telegram' AND external_id = $2
                RETURNING customer_id
            ), customer AS (
                INSERT INTO customers (id, tenant_id, display_name, locale, created_at, updated_at)
                SELECT $3, $1, $4, $5, now(), now() WHERE NOT EXISTS (SELECT 1 FROM known)
                RETURNING id
            ), created AS (
                INSERT INTO customer_identities (id, tenant_id, customer_id, kind, external_id, is_active, created_at)
                SELECT $6, $1, id, 'Telegram', $2, true, now() FROM customer
                RETURNING customer_id
            )
            SELECT customer_id FROM known UNION ALL SELECT customer_id FROM created
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = externalId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7() },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = Clip(person.DisplayName, 200) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = Locale(person) is { } locale ? locale : DBNull.Value },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7() },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? reader.GetGuid(0)
            : throw new InvalidOperationException("The customer of a Telegram user was neither found nor created.");
    }

    private async Task<Guid?> LatestConversationAsync(Guid tenantId, Guid customerId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT id FROM conversations WHERE tenant_id = $1 AND customer_id = $2 ORDER BY created_at DESC LIMIT 1
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = customerId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetGuid(0) : null;
    }

    private async Task SayAsync(InboundChannel channel, long chatId, string text, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendMessageAsync(channel.Bot, new TelegramOutgoingMessage(chatId, text), cancellationToken);
        }
        catch (TelegramSendException ex)
        {
            LogGreetingFailed(logger, channel.Tenant.Id, ex.Failure, ex);
        }
    }

    // Telegram's language_code is an IETF tag (en, pt-br): stored in OmniChat's canonical casing, or not at all.
    private static string? Locale(TelegramPerson person) =>
        person.LanguageCode is { Length: > 0 and <= 35 } code && code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? LocaleTag.Normalize(code) : null;

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram private chat {ChatId} of tenant {TenantId}: reachable {Active}")]
    private static partial void LogReachability(ILogger logger, Guid tenantId, long chatId, bool active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Telegram greeting of tenant {TenantId} was not delivered ({Failure})")]
    private static partial void LogGreetingFailed(ILogger logger, Guid tenantId, TelegramFailure failure, Exception exception);
}
