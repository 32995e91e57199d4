using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>What an inbound Telegram message stores as an OmniChat message: its text, and its files by reference.</summary>
internal static class InboundText
{
    /// <summary>The text or caption; a file without a caption is named (<c>[photo]</c>) so the message is never empty.</summary>
    public static string Of(InboundMessage message)
    {
        var text = message.Text.Length > 0 ? message.Text : string.Join(" ", message.Files.Select(f => $"[{f.FileName ?? f.Kind}]"));
        return text.Length <= 4000 ? text : text[..3999] + "…";
    }

    /// <summary>The files as attachment descriptors (JSON), or null without any.</summary>
    public static string? Attachments(InboundMessage message) => message.Files.Count == 0
        ? null
        : JsonSerializer.Serialize(message.Files.Select(f => new
        {
            source = "telegram",
            kind = f.Kind,
            fileId = f.FileId,
            fileUniqueId = f.FileUniqueId,
            fileName = f.FileName,
            mimeType = f.MimeType,
            size = f.Size,
        }));
}

/// <summary>Which Telegram message is which OmniChat message (<c>telegram_message_refs</c>), for edits.</summary>
internal static class InboundRefs
{
    public static async Task RecordAsync(NpgsqlDataSource dataSource, InboundChannel channel, long chatId, int telegramMessageId, Guid conversationId,
        Guid messageId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO telegram_message_refs (tenant_id, bot_id, chat_id, telegram_message_id, conversation_id, message_id, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = channel.Bot.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = chatId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)telegramMessageId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = messageId },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The OmniChat message a Telegram message became, with its conversation, or null.</summary>
    public static async Task<(Guid ConversationId, Guid MessageId)?> FindAsync(NpgsqlDataSource dataSource, InboundChannel channel, long chatId,
        int telegramMessageId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT conversation_id, message_id FROM telegram_message_refs
            WHERE tenant_id = $1 AND bot_id = $2 AND chat_id = $3 AND telegram_message_id = $4 AND message_id IS NOT NULL
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = channel.Bot.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = chatId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)telegramMessageId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1)) : null;
    }

    /// <summary>Where else the message was posted (the topic's copy of a customer's message, the private chat's copy of a reply).</summary>
    public static async Task<List<(long ChatId, int TelegramMessageId)>> CopiesAsync(NpgsqlDataSource dataSource, InboundChannel channel, Guid messageId,
        long exceptChatId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(channel.Tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT chat_id, telegram_message_id FROM telegram_message_refs
            WHERE tenant_id = $1 AND message_id = $2 AND bot_id = $3 AND chat_id <> $4
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = channel.Tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = messageId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = channel.Bot.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = exceptChatId },
            },
        });
        var copies = new List<(long, int)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            copies.Add((reader.GetInt64(0), (int)reader.GetInt64(1)));
        }
        return copies;
    }
}
