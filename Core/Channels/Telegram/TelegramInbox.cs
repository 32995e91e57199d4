using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;
using StackExchange.Redis;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>A Telegram update as it arrived: its id, kind, chat (0 when none) and raw body.</summary>
public sealed record ReceivedTelegramUpdate(long UpdateId, string Kind, long ChatId, string Payload)
{
    /// <summary>Every kind OmniChat asks for or may be sent; anything else is stored as <c>unknown</c> and ignored.</summary>
    public static readonly IReadOnlySet<string> KnownKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "my_chat_member", "chat_member",
        "chat_join_request", "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
        "shipping_query", "pre_checkout_query", "poll", "poll_answer", "business_connection", "business_message",
        "edited_business_message", "deleted_business_messages", "chat_boost", "removed_chat_boost", "purchased_paid_media",
    };

    /// <summary>
    /// Reads an update body: a JSON object with a non-negative integer <c>update_id</c>. Returns null with a reason when
    /// the body is not one.
    /// </summary>
    public static ReceivedTelegramUpdate? Parse(ReadOnlySpan<byte> body, out string? problem)
    {
        problem = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            problem = "The body is not JSON.";
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "An update is a JSON object.";
                return null;
            }
            if (!root.TryGetProperty("update_id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var updateId) || updateId < 0)
            {
                problem = "An update has a non-negative integer update_id.";
                return null;
            }
            var kind = "unknown";
            var chatId = 0L;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name != "update_id" && KnownKinds.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.Object)
                {
                    kind = property.Name;
                    chatId = ChatOf(kind, property.Value);
                    break;
                }
            }
            return new ReceivedTelegramUpdate(updateId, kind, chatId, root.GetRawText());
        }
    }

    // The chat an update belongs to, for ordering: a message's chat; a button press's message chat, or the presser's private
    // chat when the message is gone (inline messages); a membership change's chat.
    private static long ChatOf(string kind, JsonElement body)
    {
        if (kind == "callback_query")
        {
            return body.TryGetProperty("message", out var message) ? ChatIdIn(message) : IdIn(body, "from");
        }
        return ChatIdIn(body);
    }

    private static long ChatIdIn(JsonElement element) => IdIn(element, "chat");

    private static long IdIn(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var chat) && chat.ValueKind == JsonValueKind.Object
        && chat.TryGetProperty("id", out var id) && id.TryGetInt64(out var value) ? value : 0;
}

/// <summary>
/// Stores inbound Telegram updates once per <c>(bot, update_id)</c>, in the tenant's scope, before they are answered:
/// Telegram redelivers whatever it did not see acknowledged, and a stored duplicate changes nothing. The Workers take
/// them from there (the inbox), chat by chat in update id order; a message on <see cref="WakeChannel"/> tells them at once
/// (they also poll, so a lost message only delays).
/// </summary>
public sealed class TelegramInbox(OmniChatDbContext db, TimeProvider time, IConnectionMultiplexer redis)
{
    /// <summary>The Redis channel the Workers' inbox processor listens on for newly stored updates.</summary>
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("omnichat:telegram:inbox");

    /// <summary>Stores <paramref name="update"/>; returns false when it was already stored.</summary>
    public async Task<bool> StoreAsync(Guid channelId, long botId, ReceivedTelegramUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var now = time.GetUtcNow();
        var tenantId = db.CurrentTenantId;
        var stored = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO inbound_updates (id, tenant_id, bot_id, update_id, channel_id, chat_id, kind, payload, received_at, attempts)
            VALUES ({Guid.CreateVersion7(now)}, {tenantId}, {botId}, {update.UpdateId}, {channelId}, {update.ChatId}, {update.Kind},
                    {update.Payload}::jsonb, {now}, 0)
            ON CONFLICT (tenant_id, bot_id, update_id) DO NOTHING
            """, cancellationToken);
        if (stored == 0)
        {
            TelegramMetrics.UpdatesDuplicate.Add(1);
            return false;
        }
        TelegramMetrics.UpdatesReceived.Add(1, new KeyValuePair<string, object?>("kind", update.Kind));
        await redis.GetSubscriber().PublishAsync(WakeChannel, RedisValue.EmptyString, CommandFlags.FireAndForget);
        return true;
    }
}
