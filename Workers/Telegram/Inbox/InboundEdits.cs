using Npgsql;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Conversations;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>
/// A person edited a Telegram message that became an OmniChat message: the stored message is edited in place (never a
/// second one), and the copies the outbound pipeline posted elsewhere (the topic's copy of a customer's message, the
/// private chat's copy of an agent's reply) are edited to match, best effort.
/// </summary>
internal sealed partial class InboundEdits(NpgsqlDataSource dataSource, ConversationWriter writer, TelegramSender sender, ILogger<InboundEdits> logger)
{
    /// <summary>Applies the edit; false when the Telegram message is no stored message (of <paramref name="conversationId"/>, when given).</summary>
    public async Task<bool> ApplyAsync(InboundChannel channel, InboundMessage message, Guid? conversationId, CancellationToken cancellationToken)
    {
        if (await InboundRefs.FindAsync(dataSource, channel, message.ChatId, message.MessageId, cancellationToken) is not { } stored
            || (conversationId is { } expected && stored.ConversationId != expected))
        {
            return false;
        }
        var text = InboundText.Of(message);
        await writer.EditMessageAsync(channel.Tenant, stored.ConversationId, stored.MessageId, text, cancellationToken);
        foreach (var (chatId, copyId) in await InboundRefs.CopiesAsync(dataSource, channel, stored.MessageId, message.ChatId, cancellationToken))
        {
            try
            {
                await sender.EditMessageTextAsync(channel.Bot, chatId, copyId, text, null, cancellationToken);
            }
            catch (TelegramSendException ex) when (ex.Failure == TelegramFailure.Rejected && ex.Message.Contains("not modified", StringComparison.OrdinalIgnoreCase))
            {
                // Done before this update was taken again.
            }
            catch (TelegramSendException ex)
            {
                LogCopyNotEdited(logger, channel.Tenant.Id, stored.MessageId, ex.Failure, ex);
            }
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Telegram copy of message {MessageId} (tenant {TenantId}) was not edited ({Failure})")]
    private static partial void LogCopyNotEdited(ILogger logger, Guid tenantId, Guid messageId, TelegramFailure failure, Exception exception);
}
