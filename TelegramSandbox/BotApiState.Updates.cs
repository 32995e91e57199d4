using System.Text.Json;
using System.Text.RegularExpressions;

namespace OmniChat.TelegramSandbox;

// setWebhook, deleteWebhook, getWebhookInfo, getUpdates, and the pending updates WebhookDelivery takes one at a time.
public sealed partial class BotApiState
{
    private const int DefaultMaxConnections = 40;

    private static readonly HashSet<string> KnownUpdateTypes = new(StringComparer.Ordinal)
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection", "business_message",
        "edited_business_message", "deleted_business_messages", "message_reaction", "message_reaction_count", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
        "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    };

    private BotApiResponse SetWebhook(BotRecord bot, BotApiArguments arguments)
    {
        var url = arguments.Text("url");
        if (string.IsNullOrEmpty(url))
        {
            return DeleteWebhook(bot, arguments);
        }
        // Telegram wants HTTPS on ports 443, 80, 88 or 8443; the sandbox lives on a developer's machine and takes any
        // http(s) URL.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return BotApiResponse.Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        }
        var secret = arguments.Text("secret_token");
        if (!string.IsNullOrEmpty(secret) && !SecretTokenShape().IsMatch(secret))
        {
            return BotApiResponse.Error(400, "Bad Request: bad webhook: secret token contains unallowed characters");
        }
        var maxConnections = arguments.SmallNumber("max_connections") ?? DefaultMaxConnections;
        if (maxConnections is < 1 or > 100)
        {
            return BotApiResponse.Error(400, "Bad Request: bad webhook: max_connections must be between 1 and 100");
        }
        if (ReadAllowedUpdates(bot, arguments) is { } refused)
        {
            return refused;
        }
        if (arguments.Flag("drop_pending_updates") == true)
        {
            bot.Pending.Clear();
        }
        var webhook = new Webhook(uri, string.IsNullOrEmpty(secret) ? null : secret, maxConnections);
        var already = bot.Webhook == webhook;
        if (bot.Webhook?.Url != uri)
        {
            bot.LastErrorDate = null;
            bot.LastErrorMessage = null;
        }
        bot.Webhook = webhook;
        bot.WebhookVersion++;
        signals.Notify(bot.User.Id);
        return BotApiResponse.Success(true, already ? "Webhook is already set" : "Webhook was set");
    }

    private static BotApiResponse DeleteWebhook(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Flag("drop_pending_updates") == true)
        {
            bot.Pending.Clear();
        }
        var had = bot.Webhook is not null;
        bot.Webhook = null;
        bot.WebhookVersion++;
        return BotApiResponse.Success(true, had ? "Webhook was deleted" : "Webhook is already deleted");
    }

    private static BotApiResponse GetWebhookInfo(BotRecord bot) => BotApiResponse.Success(
        new WebhookInfo(bot.Webhook?.Url.ToString() ?? "", false, bot.Pending.Count)
        {
            LastErrorDate = bot.LastErrorDate,
            LastErrorMessage = bot.LastErrorMessage,
            MaxConnections = bot.Webhook?.MaxConnections,
            AllowedUpdates = bot.Webhook is null ? null : bot.AllowedUpdates,
        });

    // No long polling: getUpdates answers at once with what is pending (a `timeout` is accepted and not waited).
    private static BotApiResponse GetUpdates(BotRecord bot, BotApiArguments arguments)
    {
        if (bot.Webhook is not null)
        {
            return BotApiResponse.Error(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        }
        if (ReadAllowedUpdates(bot, arguments) is { } refused)
        {
            return refused;
        }
        if (arguments.Number("offset") is { } offset && offset > 0)
        {
            while (bot.Pending.TryPeek(out var first) && first.UpdateId < offset)
            {
                bot.Pending.Dequeue();
                bot.UpdatesDelivered++;
            }
        }
        var limit = Math.Clamp(arguments.SmallNumber("limit") ?? 100, 1, 100);
        return BotApiResponse.Success(bot.Pending.Take(limit).Select(p => p.Body).ToList());
    }

    private static BotApiResponse? ReadAllowedUpdates(BotRecord bot, BotApiArguments arguments)
    {
        // Not given: the previous setting stays. Empty: every type but chat_member and the reactions (Telegram's default).
        if (arguments.Element("allowed_updates") is not { } element)
        {
            return null;
        }
        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || !KnownUpdateTypes.Contains(e.GetString()!)))
        {
            return BotApiResponse.Error(400, "Bad Request: can't parse allowed updates");
        }
        List<string> types = [.. element.EnumerateArray().Select(e => e.GetString()!).Distinct()];
        bot.AllowedUpdates = types.Count == 0 ? null : types;
        return null;
    }

    /// <summary>Queues an update for the bot unless its <c>allowed_updates</c> leave it out; answers its <c>update_id</c>.</summary>
    private int? Enqueue(BotRecord bot, BotUpdate update)
    {
        if (bot.AllowedUpdates is { Count: > 0 } allowed && !allowed.Contains(update.Type))
        {
            return null;
        }
        var id = bot.NextUpdateId++;
        bot.Pending.Enqueue(new PendingUpdate(id, JsonSerializer.SerializeToElement(update with { UpdateId = id }, BotApiJson.Options)));
        while (bot.Pending.Count > _options.MaxPendingUpdates)
        {
            bot.Pending.Dequeue(); // Telegram keeps undelivered updates for a day; the sandbox keeps the newest ones
        }
        signals.Notify(bot.User.Id);
        return id;
    }

    /// <summary>The bot's oldest pending update and where it goes, or null when there is none or no webhook.</summary>
    public PendingDelivery? NextDelivery(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Webhook is { } webhook && bot.Pending.TryPeek(out var next)
                ? new PendingDelivery(webhook.Url, webhook.SecretToken, next.UpdateId, next.Body.GetRawText(), bot.WebhookVersion)
                : null;
        }
    }

    public int WebhookVersion(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) ? bot.WebhookVersion : 0;
        }
    }

    /// <summary>The webhook took the update (2xx): it is no longer pending.</summary>
    public void Delivered(long botId, int updateId)
    {
        lock (_lock)
        {
            if (_bots.TryGetValue(botId, out var bot) && bot.Pending.TryPeek(out var first) && first.UpdateId == updateId)
            {
                bot.Pending.Dequeue();
                bot.UpdatesDelivered++;
            }
        }
    }

    /// <summary>The webhook refused the update or could not be reached: it stays pending, the error is shown.</summary>
    public void DeliveryFailed(long botId, string error)
    {
        lock (_lock)
        {
            if (_bots.TryGetValue(botId, out var bot))
            {
                bot.LastErrorDate = UnixNow;
                bot.LastErrorMessage = error;
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SecretTokenShape();
}
