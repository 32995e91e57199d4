using System.Text.Json;

namespace OmniChat.TelegramSandbox;

/// <summary>A message a bot sent, as the sandbox keeps it (with what Telegram would not echo back, such as silence).</summary>
public sealed record SentMessage(int MessageId, int? ThreadId, string Text, bool Silent, JsonElement? ReplyMarkup, DateTimeOffset SentAt);

/// <summary>A forum topic of a group.</summary>
public sealed record TopicInfo(int ThreadId, string Name, bool Closed, bool Deleted);

/// <summary>What one bot did against the sandbox.</summary>
public sealed record BotStats(long BotId, long Requests, long MessagesSent, long TooManyRequests, long FaultsServed);

/// <summary>An answer the sandbox gives instead of the real one, the next <c>Count</c> times a bot calls <c>Method</c>.</summary>
public sealed record InjectedFault(string Method, int ErrorCode, string Description, int? RetryAfter, int Count);

/// <summary>
/// Everything the sandbox knows, in memory: bots (any well-formed token is a bot), their chats with messages and forum
/// topics, counters, and injected faults. Each bot sees its own copy of a chat, so two tenants' bots never interfere.
/// One lock guards it all: the sandbox serves tests and benchmarks at Telegram's own rates (tens of messages a second).
/// </summary>
public sealed class BotApiState(FloodControl floodControl, TimeProvider time)
{
    public const int MaxTextLength = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, BotRecord> _bots = [];

    /// <summary>Runs <paramref name="method"/> for a bot: a fault if one is due, else the method itself.</summary>
    public BotApiResponse Invoke(long botId, string method, BotApiArguments arguments)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            bot.Requests++;
            var faultIndex = bot.Faults.FindIndex(f => string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase));
            if (faultIndex >= 0)
            {
                var fault = bot.Faults[faultIndex];
                bot.Faults[faultIndex] = fault with { Count = fault.Count - 1 };
                if (fault.Count <= 1)
                {
                    bot.Faults.RemoveAt(faultIndex);
                }
                bot.FaultsServed++;
                return BotApiResponse.Error(fault.ErrorCode, fault.Description, fault.RetryAfter is { } after ? new ResponseParameters(after) : null);
            }
            return method.ToLowerInvariant() switch
            {
                "getme" => BotApiResponse.Success(bot.User),
                "sendmessage" => SendMessage(bot, arguments),
                "createforumtopic" => CreateForumTopic(bot, arguments),
                "editforumtopic" => RenameTopic(bot, arguments),
                "closeforumtopic" => EditTopic(bot, arguments, t => t with { Closed = true }),
                "reopenforumtopic" => EditTopic(bot, arguments, t => t with { Closed = false }),
                "deleteforumtopic" => EditTopic(bot, arguments, t => t with { Deleted = true }),
                _ => BotApiResponse.Error(404, "Not Found: method not found"),
            };
        }
    }

    // Reads never create a bot: asking about a bot that made no call answers zeros and empty lists.
    public BotStats Stats(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot)
                ? new BotStats(botId, bot.Requests, bot.MessagesSent, bot.TooManyRequests, bot.FaultsServed)
                : new BotStats(botId, 0, 0, 0, 0);
        }
    }

    public IReadOnlyList<SentMessage> Messages(long botId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat) ? [.. chat.Messages] : [];
        }
    }

    public IReadOnlyList<TopicInfo> Topics(long botId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat) ? [.. chat.Topics.Values] : [];
        }
    }

    public void AddFault(long botId, InjectedFault fault)
    {
        lock (_lock)
        {
            Bot(botId).Faults.Add(fault);
        }
    }

    private BotApiResponse SendMessage(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId)
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        var text = arguments.Text("text");
        if (string.IsNullOrWhiteSpace(text))
        {
            return BotApiResponse.Error(400, "Bad Request: message text is empty");
        }
        if (text.Length > MaxTextLength)
        {
            return BotApiResponse.Error(400, "Bad Request: message is too long");
        }
        var chat = bot.Chat(chatId);
        var threadId = arguments.SmallNumber("message_thread_id");
        if (threadId is { } thread)
        {
            if (!chat.Topics.TryGetValue(thread, out var topic) || topic.Deleted)
            {
                return BotApiResponse.Error(400, "Bad Request: message thread not found");
            }
            if (topic.Closed)
            {
                return BotApiResponse.Error(400, "Bad Request: TOPIC_CLOSED");
            }
        }
        if (Throttled(bot, chatId) is { } refused)
        {
            return refused;
        }
        var replyMarkup = arguments.Element("reply_markup");
        var message = chat.Add(threadId, text, arguments.Flag("disable_notification") ?? false, replyMarkup, time.GetUtcNow());
        bot.MessagesSent++;
        return BotApiResponse.Success(new BotMessage(message.MessageId, message.SentAt.ToUnixTimeSeconds(), chat.Info, bot.User,
            threadId, text, threadId is null ? null : true, replyMarkup));
    }

    private BotApiResponse CreateForumTopic(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId)
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (chatId > 0)
        {
            return BotApiResponse.Error(400, "Bad Request: the chat is not a forum");
        }
        var name = arguments.Text("name");
        if (name is null || !ValidTopicName(name))
        {
            return BotApiResponse.Error(400, "Bad Request: TOPIC_NAME_INVALID");
        }
        if (Throttled(bot, chatId) is { } refused)
        {
            return refused;
        }
        var chat = bot.Chat(chatId);
        // A topic's id is the id of the service message that opened it, as in Telegram.
        var opening = chat.Add(null, $"Topic \"{name}\" created", silent: true, null, time.GetUtcNow());
        chat.Topics[opening.MessageId] = new TopicInfo(opening.MessageId, name, Closed: false, Deleted: false);
        var iconColor = arguments.SmallNumber("icon_color") ?? 0x6FB9F0;
        return BotApiResponse.Success(new ForumTopic(opening.MessageId, name, iconColor));
    }

    private static BotApiResponse RenameTopic(BotRecord bot, BotApiArguments arguments) => arguments.Text("name") switch
    {
        null => EditTopic(bot, arguments, t => t),
        var name when !ValidTopicName(name) => BotApiResponse.Error(400, "Bad Request: TOPIC_NAME_INVALID"),
        var name => EditTopic(bot, arguments, t => t with { Name = name }),
    };

    private static bool ValidTopicName(string name) => !string.IsNullOrWhiteSpace(name) && name.Length <= 128;

    private static BotApiResponse EditTopic(BotRecord bot, BotApiArguments arguments, Func<TopicInfo, TopicInfo> change)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (arguments.SmallNumber("message_thread_id") is not { } threadId || !chat.Topics.TryGetValue(threadId, out var topic) || topic.Deleted)
        {
            return BotApiResponse.Error(400, "Bad Request: TOPIC_ID_INVALID");
        }
        chat.Topics[threadId] = change(topic);
        return BotApiResponse.Success(true);
    }

    private BotApiResponse? Throttled(BotRecord bot, long chatId)
    {
        if (floodControl.TryTake(bot.User.Id, chatId) is not { } wait)
        {
            return null;
        }
        bot.TooManyRequests++;
        var seconds = (int)wait.TotalSeconds;
        return BotApiResponse.Error(429, $"Too Many Requests: retry after {seconds}", new ResponseParameters(seconds));
    }

    private BotRecord Bot(long botId)
    {
        if (!_bots.TryGetValue(botId, out var bot))
        {
            bot = _bots[botId] = new BotRecord(new BotUser(botId, true, $"Sandbox bot {botId}", $"sandbox_{botId}_bot",
                CanJoinGroups: true, CanReadAllGroupMessages: false, SupportsInlineQueries: false));
        }
        return bot;
    }

    private sealed class BotRecord(BotUser user)
    {
        public BotUser User { get; } = user;

        public Dictionary<long, ChatRecord> Chats { get; } = [];

        public List<InjectedFault> Faults { get; } = [];

        public long Requests { get; set; }

        public long MessagesSent { get; set; }

        public long TooManyRequests { get; set; }

        public long FaultsServed { get; set; }

        public ChatRecord Chat(long chatId)
        {
            if (!Chats.TryGetValue(chatId, out var chat))
            {
                chat = Chats[chatId] = new ChatRecord(chatId < 0
                    ? new BotChat(chatId, "supergroup", Title: $"Sandbox group {-chatId}", IsForum: true)
                    : new BotChat(chatId, "private", FirstName: $"User {chatId}"));
            }
            return chat;
        }
    }

    private sealed class ChatRecord(BotChat info)
    {
        private const int KeptPerChat = 1000;
        private int _lastMessageId;

        public BotChat Info { get; } = info;

        public List<SentMessage> Messages { get; } = [];

        public Dictionary<int, TopicInfo> Topics { get; } = [];

        public SentMessage Add(int? threadId, string text, bool silent, JsonElement? replyMarkup, DateTimeOffset at)
        {
            var message = new SentMessage(++_lastMessageId, threadId, text, silent, replyMarkup, at);
            if (Messages.Count == KeptPerChat)
            {
                Messages.RemoveAt(0); // a long-running sandbox keeps the recent history of each chat, not all of it
            }
            Messages.Add(message);
            return message;
        }
    }
}
