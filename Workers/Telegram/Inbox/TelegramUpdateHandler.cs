using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>The tenant's channel an update came in on, and its bot.</summary>
internal sealed record InboundChannel(TenantInfo Tenant, Guid ChannelId, TelegramBot Bot, string BotUsername, long SupportGroupId);

/// <summary>
/// Handles one stored update in its tenant's scope: reads it (<see cref="TelegramUpdateReader"/>) and hands it to the
/// support group (agents in topics, buttons, commands) or to the private chat (customers writing to the bot). Handling
/// is safe to repeat: a message becomes an OmniChat message once (its client message id comes from the Telegram message),
/// a claim by the same agent is a no-op, and answers to people are best effort (never a reason to process again).
/// </summary>
internal sealed partial class TelegramUpdateHandler(NpgsqlDataSource dataSource, ITenantStore tenants, TelegramChannelSecrets secrets,
    SupportGroupInbound group, PrivateChatInbound privateChat, ILogger<TelegramUpdateHandler> logger)
{
    public async Task HandleAsync(LeasedTelegramUpdate update, CancellationToken cancellationToken)
    {
        var channel = await LoadChannelAsync(update, cancellationToken);
        if (channel is null)
        {
            LogNoChannel(logger, update.TenantId, update.BotId, update.UpdateId);
            return;
        }
        var action = TelegramUpdateReader.Read(update.Payload, update.BotId, channel.BotUsername);
        switch (action)
        {
            case InboundMessage { IsPrivate: true } message:
                await privateChat.HandleMessageAsync(channel, message, cancellationToken);
                break;
            case InboundMessage message when message.ChatId == channel.SupportGroupId:
                await group.HandleMessageAsync(channel, message, cancellationToken);
                break;
            case ButtonPressed button:
                await group.HandleButtonAsync(channel, button, cancellationToken);
                break;
            case BotMembershipChanged { IsPrivate: true } change:
                await privateChat.HandleMembershipAsync(channel, change, cancellationToken);
                break;
            case BotMembershipChanged change when change.ChatId == channel.SupportGroupId:
                await group.HandleMembershipAsync(channel, change, cancellationToken);
                break;
            case IgnoredUpdate ignored:
                LogIgnored(logger, update.TenantId, update.BotId, update.UpdateId, ignored.Reason);
                break;
            default:
                LogIgnored(logger, update.TenantId, update.BotId, update.UpdateId, "a chat that is neither the support group nor private");
                break;
        }
    }

    /// <summary>
    /// The client message id of a Telegram message: the same Telegram message (a redelivered or reprocessed update) is
    /// the same OmniChat message.
    /// </summary>
    public static Guid ClientMessageId(long botId, long chatId, int messageId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"telegram:{botId}:{chatId}:{messageId}"), hash);
        var bytes = hash[..16].ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // a version-8 (custom) uuid, not to be mistaken for a random one
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private async Task<InboundChannel?> LoadChannelAsync(LeasedTelegramUpdate update, CancellationToken cancellationToken)
    {
        if (await tenants.FindByIdAsync(update.TenantId, cancellationToken) is not { } tenant)
        {
            return null;
        }
        await using var batch = dataSource.CreateTenantBatch(update.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT id, bot_username, support_group_id, protected_secrets FROM telegram_channels WHERE tenant_id = $1 AND bot_id = $2
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = update.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = update.BotId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var token = secrets.Unprotect(update.TenantId, reader.GetString(3)).BotToken;
        return new InboundChannel(tenant, reader.GetGuid(0), new TelegramBot(update.TenantId, token), reader.GetString(1), reader.GetInt64(2));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}): no connected channel; skipped")]
    private static partial void LogNoChannel(ILogger logger, Guid tenantId, long botId, long updateId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}) ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, Guid tenantId, long botId, long updateId, string reason);
}
