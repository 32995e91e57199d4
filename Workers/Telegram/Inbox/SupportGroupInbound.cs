using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;
using StackExchange.Redis;
using Telegram.Bot.Types.Enums;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>
/// What agents do in the tenant's support group (SPEC §9): a message in a conversation's topic is a reply to the visitor
/// only while its author holds the claim (claim-before-reply, the same Core rule as the API: <see cref="MessageSource.RequiresClaim"/>);
/// otherwise it is not delivered and the bot says so in the topic, at most once a minute per agent and conversation. The
/// card's Claim and Close buttons and the topic commands (<c>/claim</c>, <c>/release</c>, <c>/close</c>, <c>/rename</c>,
/// <c>/note</c>, <c>/info</c>) go through <see cref="ConversationWriter"/> too; the topic's title and card follow from the
/// domain events (the outbound pipeline), not from here.
/// </summary>
internal sealed partial class SupportGroupInbound(NpgsqlDataSource dataSource, ConversationWriter writer, TelegramAgents agents, InboundEdits edits, TelegramSender sender,
    IConnectionMultiplexer redis, InboundTemplates templates, TelegramChannelFailures channels, InboundFiles files, ILogger<SupportGroupInbound> logger)
{
    private static readonly TimeSpan NoticeInterval = TimeSpan.FromMinutes(1);
    private const string Help = "Commands: /claim, /release, /close, /rename <title>, /note <template key or text>, /info.";

    public async Task HandleMessageAsync(InboundChannel channel, InboundMessage message, CancellationToken cancellationToken)
    {
        if (message.TopicId is not { } topic)
        {
            return; // the General topic, or a group that is not a forum: no conversation lives there
        }
        var conversation = await FindByTopicAsync(channel, topic, cancellationToken);
        if (conversation is null)
        {
            return; // a topic people opened themselves
        }
        if (message.Edited)
        {
            await edits.ApplyAsync(channel, message, conversation.Id, cancellationToken);
            return;
        }
        var agent = await agents.EnsureAsync(channel.Tenant.Id, message.From, cancellationToken);
        if (message.Command is { } command)
        {
            await RunCommandAsync(channel, conversation, topic, agent, message.From, command, cancellationToken);
            return;
        }
        var text = InboundText.Of(message);
        var attachments = new InboundAttachments(InboundText.Attachments(message), null, AllStored: false);
        // Files become attachments only for the agent who may reply (the writer checks the claim again): nothing is
        // downloaded for a message that is not delivered. Downloaded with no transaction open; the message is written after.
        if (message.Files.Count > 0 && await HolderAsync(channel.Tenant.Id, conversation.Id, cancellationToken) == agent)
        {
            attachments = await files.StoreAsync(channel, conversation.Id, message, cancellationToken);
            if (attachments.AllStored && message.Text.Length == 0)
            {
                text = ""; // a file alone is a message, as from the widget: no "[photo]" placeholder beside the real file
            }
        }
        try
        {
            var added = await writer.AddMessageAsync(channel.Tenant, conversation.Id,
                new MessageSource(MessageDirection.Outbound, agent, Channel: "telegram", Interface: "group")
                {
                    RequiresClaim = true,
                    Attachments = attachments.Json,
                    LinkedAttachments = attachments.Linked,
                },
                text, TelegramUpdateHandler.ClientMessageId(channel.Bot.Id, message.ChatId, message.MessageId), cancellationToken);
            await InboundRefs.RecordAsync(dataSource, channel, message.ChatId, message.MessageId, conversation.Id, added.Message.Id, cancellationToken);
        }
        catch (ConflictException ex) when (ex.Code is "not_claimed" or "conversation_closed")
        {
            var holder = ex.Extensions.TryGetValue("claimedBy", out var by) ? by as string : null;
            var notice = ex.Code == "conversation_closed"
                ? $"⚠️ {agent}: this conversation is closed; your message was not delivered."
                : holder is null
                    ? $"⚠️ {agent}: claim this conversation first (the Claim button or /claim); your message was not delivered."
                    : $"⚠️ {agent}: {holder} has this conversation; your message was not delivered.";
            await NoticeOnceAsync(channel, conversation.Id, message.From.Id, topic, notice, cancellationToken);
        }
    }

    public async Task HandleButtonAsync(InboundChannel channel, ButtonPressed button, CancellationToken cancellationToken)
    {
        if (button.ChatId is null)
        {
            await AnswerAsync(channel, button, "This button no longer works.", cancellationToken);
            return;
        }
        if (button.ChatId != channel.SupportGroupId || !TryReadAction(button.Data, out var action, out var conversationId))
        {
            await AnswerAsync(channel, button, null, cancellationToken);
            return;
        }
        var agent = await agents.EnsureAsync(channel.Tenant.Id, button.From, cancellationToken);
        string answer;
        try
        {
            if (action == TopicTitleFormatter.ClaimAction)
            {
                await writer.ClaimAsync(channel.Tenant, conversationId, agent, cancellationToken);
                answer = $"You have #{TopicTitleFormatter.ShortId(conversationId)} now.";
            }
            else
            {
                await writer.CloseAsync(channel.Tenant, conversationId, agent, cancellationToken);
                answer = $"#{TopicTitleFormatter.ShortId(conversationId)} is closed.";
            }
        }
        catch (ConflictException ex) when (ex.Code == "already_claimed")
        {
            var holder = await HolderAsync(channel.Tenant.Id, conversationId, cancellationToken);
            answer = holder is null ? "Someone else claimed it first." : $"Already claimed by {holder}.";
        }
        catch (ConflictException ex) when (ex.Code == "conversation_closed")
        {
            answer = "This conversation is closed.";
        }
        catch (NotFoundException)
        {
            answer = "This conversation no longer exists.";
        }
        await AnswerAsync(channel, button, answer, cancellationToken);
    }

    /// <summary>The bot left or was removed from the support group: the channel cannot work until it is back.</summary>
    public async Task HandleMembershipAsync(InboundChannel channel, BotMembershipChanged change, CancellationToken cancellationToken)
    {
        var removed = change.NewStatus is ChatMemberStatus.Left or ChatMemberStatus.Kicked;
        var back = change.NewStatus is ChatMemberStatus.Administrator;
        if (!removed && !back)
        {
            return;
        }
        if (removed)
        {
            await channels.StopAsync(channel.Tenant.Id, channel.ChannelId, "bot removed from the support group", null, cancellationToken);
            return;
        }
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE telegram_channels SET status = 'Active', status_reason = NULL, updated_at = now()
            WHERE tenant_id = $1 AND id = $2 AND status = 'Inactive' AND status_reason = 'bot removed from the support group'
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.ChannelId },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RunCommandAsync(InboundChannel channel, TopicConversation conversation, int topic, string agent, TelegramPerson person,
        TelegramCommand command, CancellationToken cancellationToken)
    {
        var tenant = channel.Tenant;
        string? reply = null;
        try
        {
            switch (command.Name)
            {
                case "claim":
                    await writer.ClaimAsync(tenant, conversation.Id, agent, cancellationToken);
                    break;
                case "release":
                    var holder = await HolderAsync(tenant.Id, conversation.Id, cancellationToken);
                    if (holder is not null && holder != agent)
                    {
                        reply = $"Only {holder} can release this conversation.";
                        break;
                    }
                    await writer.ReleaseAsync(tenant, conversation.Id, cancellationToken);
                    break;
                case "close":
                    await writer.CloseAsync(tenant, conversation.Id, agent, cancellationToken);
                    break;
                case "rename":
                    var name = command.Arguments.Trim();
                    if (name.Length is 0 or > 100)
                    {
                        reply = "Usage: /rename <new title> (1–100 characters).";
                        break;
                    }
                    await writer.RenameAsync(tenant, conversation.Id, name, cancellationToken);
                    break;
                case "note":
                    reply = await NoteAsync(tenant, conversation, agent, command.Arguments.Trim(), cancellationToken);
                    break;
                case "info":
                    reply = await InfoAsync(tenant.Id, conversation.Id, cancellationToken);
                    break;
                case "start" or "help":
                    reply = Help;
                    break;
                default:
                    reply = $"Unknown command /{command.Name}. {Help}";
                    break;
            }
        }
        catch (ConflictException ex) when (ex.Code == "already_claimed")
        {
            var holder = await HolderAsync(tenant.Id, conversation.Id, cancellationToken);
            reply = holder is null ? "Someone else claimed it first." : $"Already claimed by {holder}.";
        }
        catch (ConflictException ex) when (ex.Code == "conversation_closed")
        {
            reply = "This conversation is closed.";
        }
        if (reply is not null)
        {
            await SayAsync(channel, topic, reply, cancellationToken);
        }
        LogCommand(logger, tenant.Id, conversation.Id, command.Name, person.Id);
    }

    // A template key (resolved in the conversation's locale) becomes that template's text; anything else is the note itself.
    private async Task<string?> NoteAsync(TenantInfo tenant, TopicConversation conversation, string agent, string argument,
        CancellationToken cancellationToken)
    {
        if (argument.Length is 0 or > 4000)
        {
            return "Usage: /note <template key or text>.";
        }
        string? key = null;
        var text = argument;
        if (TemplateTranslations.IsKey(argument) && await templates.ResolveAsync(tenant, argument, conversation.Locale, cancellationToken) is { } template)
        {
            key = argument;
            text = template;
        }
        // The topic shows the note as the visitor gets it (interface "command": not the agent's own words in the topic).
        await writer.AddMessageAsync(tenant, conversation.Id,
            new MessageSource(MessageDirection.System, agent, Channel: "telegram", Interface: "command") { NoteKey = key }, text, null, cancellationToken);
        return null;
    }

    private async Task<string> InfoAsync(Guid tenantId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT coalesce(cu.display_name, c.name), c.channel, c.interface, c.claimed_by, c.created_at, c.status
            FROM conversations c LEFT JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
            WHERE c.tenant_id = $1 AND c.id = $2
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return "This conversation no longer exists.";
        }
        return string.Create(CultureInfo.InvariantCulture, $"""
            ℹ️ #{TopicTitleFormatter.ShortId(conversationId)}
            Customer: {(reader.IsDBNull(0) ? "Visitor" : reader.GetString(0))}
            Channel: {reader.GetString(1)}
            Interface: {reader.GetString(2)}
            Claimed by: {(reader.IsDBNull(3) ? "nobody" : reader.GetString(3))}
            Created: {reader.GetFieldValue<DateTimeOffset>(4).UtcDateTime:yyyy-MM-dd HH:mm} UTC
            Status: {reader.GetString(5).ToLowerInvariant()}
            """);
    }

    private async Task NoticeOnceAsync(InboundChannel channel, Guid conversationId, long telegramUserId, int topic, string text,
        CancellationToken cancellationToken)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"omnichat:tg:claim-notice:{channel.Tenant.Id:N}:{conversationId:N}:{telegramUserId}");
        if (await redis.GetDatabase().StringSetAsync(key, "1", NoticeInterval, When.NotExists))
        {
            await SayAsync(channel, topic, text, cancellationToken);
        }
    }

    private async Task SayAsync(InboundChannel channel, int topic, string text, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendMessageAsync(channel.Bot, new TelegramOutgoingMessage(channel.SupportGroupId, text, topic, Silent: true), cancellationToken);
        }
        catch (TelegramSendException ex)
        {
            LogReplyFailed(logger, channel.Tenant.Id, ex.Failure, ex);
        }
    }

    private async Task AnswerAsync(InboundChannel channel, ButtonPressed button, string? text, CancellationToken cancellationToken)
    {
        try
        {
            await sender.AnswerCallbackQueryAsync(channel.Bot, button.CallbackQueryId, text, cancellationToken);
        }
        catch (TelegramSendException ex)
        {
            // Too old to answer (Telegram gives a few seconds), or the bot is gone: what the press did stands.
            LogReplyFailed(logger, channel.Tenant.Id, ex.Failure, ex);
        }
    }

    private static bool TryReadAction(string? data, out string action, out Guid conversationId)
    {
        action = "";
        conversationId = Guid.Empty;
        var colon = data?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon < 0)
        {
            return false;
        }
        action = data![..colon];
        return action is TopicTitleFormatter.ClaimAction or TopicTitleFormatter.CloseAction
               && Guid.TryParseExact(data[(colon + 1)..], "N", out conversationId);
    }

    private async Task<string?> HolderAsync(Guid tenantId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT claimed_by FROM conversations WHERE tenant_id = $1 AND id = $2")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetString(0) : null;
    }

    private async Task<TopicConversation?> FindByTopicAsync(InboundChannel channel, int topic, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT id, locale FROM conversations
            WHERE tenant_id = $1 AND thread_id = $2 AND telegram_group_id = $3
            ORDER BY created_at DESC LIMIT 1
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)topic },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = channel.SupportGroupId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TopicConversation(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    private sealed record TopicConversation(Guid Id, string? Locale);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram command /{Command} in conversation {ConversationId} (tenant {TenantId}) by {TelegramUserId}")]
    private static partial void LogCommand(ILogger logger, Guid tenantId, Guid conversationId, string command, long telegramUserId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Telegram answer of tenant {TenantId} was not delivered ({Failure})")]
    private static partial void LogReplyFailed(ILogger logger, Guid tenantId, TelegramFailure failure, Exception exception);
}
