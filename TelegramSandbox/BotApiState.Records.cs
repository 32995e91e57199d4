using System.Text.Json;

namespace OmniChat.TelegramSandbox;

public sealed partial class BotApiState
{
    /// <summary>A message as kept: its Bot API shape plus what Telegram does not echo (silence, the explicit reply).</summary>
    private sealed record StoredMessage(BotMessage Message, bool Silent, DateTimeOffset SentAt, int? ReplyToMessageId, string? Service)
    {
        public DateTimeOffset? EditedAt { get; init; }
    }

    private sealed record StoredFile(string FileId, string FileUniqueId, string FilePath, byte[] Content, string? FileName, string ContentType);

    private sealed class CallbackRecord(string id, long chatId, int messageId, long fromUserId, string data, DateTimeOffset pressedAt)
    {
        public string Id { get; } = id;

        public long ChatId { get; } = chatId;

        public int MessageId { get; } = messageId;

        public long FromUserId { get; } = fromUserId;

        public string Data { get; } = data;

        public DateTimeOffset PressedAt { get; } = pressedAt;

        public int? UpdateId { get; set; }

        public DateTimeOffset? AnsweredAt { get; set; }

        public string? AnswerText { get; set; }

        public bool? ShowAlert { get; set; }

        public string? AnswerUrl { get; set; }

        public CallbackView View() => new(Id, ChatId, MessageId, FromUserId, Data, PressedAt, UpdateId, AnsweredAt is not null, AnswerText,
            ShowAlert, AnswerUrl, AnsweredAt);
    }

    private sealed record Webhook(Uri Url, string? SecretToken, int MaxConnections);

    private sealed record PendingUpdate(int UpdateId, JsonElement Body);

    private sealed class BotRecord(BotUser user, string? token, int firstUpdateId)
    {
        private const int KeptCallbacks = 1000;

        public BotUser User { get; } = user;

        /// <summary>The token the sandbox gave this bot; null for a bot that exists because a well-formed token called.</summary>
        public string? Token { get; } = token;

        public Dictionary<long, ChatRecord> Chats { get; } = [];

        public Dictionary<long, BotUser> People { get; } = [];

        public HashSet<long> BlockedBy { get; } = [];

        public List<InjectedFault> Faults { get; } = [];

        public Dictionary<string, StoredFile> Files { get; } = new(StringComparer.Ordinal);

        public Queue<StoredFile> FilesByAge { get; } = new();

        public long FileBytes { get; set; }

        public int LastFileNumber { get; set; }

        public Dictionary<string, CallbackRecord> Callbacks { get; } = new(StringComparer.Ordinal);

        public Queue<string> CallbacksByAge { get; } = new();

        public Webhook? Webhook { get; set; }

        /// <summary>Grows whenever the webhook is set or deleted, so a delivery waiting to retry knows to look again.</summary>
        public int WebhookVersion { get; set; }

        public IReadOnlyList<string>? AllowedUpdates { get; set; }

        public Queue<PendingUpdate> Pending { get; } = new();

        public int NextUpdateId { get; set; } = firstUpdateId;

        public long? LastErrorDate { get; set; }

        public string? LastErrorMessage { get; set; }

        public long UpdatesDelivered { get; set; }

        public long Requests { get; set; }

        public long MessagesSent { get; set; }

        public long TooManyRequests { get; set; }

        public long FaultsServed { get; set; }

        public bool Accepts(string token) => SameSecret(Token, token);

        public ChatRecord Chat(long chatId)
        {
            if (!Chats.TryGetValue(chatId, out var chat))
            {
                chat = chatId < 0
                    ? new ChatRecord(new BotChat(chatId, "supergroup", Title: $"Sandbox group {-chatId}", IsForum: true), botIsAdmin: true, botCanManageTopics: true)
                    : new ChatRecord(PrivateChat(Person(chatId)), botIsAdmin: false, botCanManageTopics: false);
                Chats[chatId] = chat;
            }
            return chat;
        }

        /// <summary>A person this bot has met, made up (<c>User {id}</c>) the first time, renamed when names are given.</summary>
        public BotUser Person(long userId, string? firstName = null, string? lastName = null, string? username = null)
        {
            if (!People.TryGetValue(userId, out var person))
            {
                person = new BotUser(userId, false, $"User {userId}", LanguageCode: "en");
            }
            if (firstName is not null)
            {
                person = person with { FirstName = firstName, LastName = lastName, Username = username };
            }
            People[userId] = person;
            if (firstName is not null && Chats.TryGetValue(userId, out var privateChat))
            {
                privateChat.Info = PrivateChat(person);
            }
            return person;
        }

        public void Remember(CallbackRecord callback)
        {
            Callbacks[callback.Id] = callback;
            CallbacksByAge.Enqueue(callback.Id);
            if (CallbacksByAge.Count > KeptCallbacks)
            {
                Callbacks.Remove(CallbacksByAge.Dequeue());
            }
        }

        public static BotChat PrivateChat(BotUser person) => new(person.Id, "private", Username: person.Username, FirstName: person.FirstName,
            LastName: person.LastName);
    }

    private sealed class ChatRecord(BotChat info, bool botIsAdmin, bool botCanManageTopics)
    {
        private const int KeptPerChat = 1000;
        private int _lastMessageId = info.Id < 0 ? 1 : 0; // a group's message 1 is its creation: General topic's id

        public BotChat Info { get; set; } = info;

        public bool BotIsAdmin { get; set; } = botIsAdmin;

        public bool BotCanManageTopics { get; set; } = botCanManageTopics;

        public bool IsGroup => Info.Id < 0;

        public bool IsForum => Info.IsForum == true;

        /// <summary>A per-chat random number, as Telegram's <c>chat_instance</c> is.</summary>
        public string Instance { get; } = (Random.Shared.NextInt64(long.MinValue, long.MaxValue)).ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>People in a group and their status (<c>member</c> or <c>administrator</c>).</summary>
        public Dictionary<long, string> Members { get; } = [];

        public List<StoredMessage> Messages { get; } = [];

        public Dictionary<int, TopicInfo> Topics { get; } = [];

        public int NextMessageId() => ++_lastMessageId;

        public void Add(StoredMessage message)
        {
            if (Messages.Count == KeptPerChat)
            {
                Messages.RemoveAt(0); // a long-running sandbox keeps the recent history of each chat, not all of it
            }
            Messages.Add(message);
        }

        public StoredMessage? Find(int messageId)
        {
            var index = IndexOf(messageId);
            return index >= 0 ? Messages[index] : null;
        }

        public void Replace(StoredMessage message) => Messages[IndexOf(message.Message.MessageId)] = message;

        public void Remove(int messageId) => Messages.RemoveAt(IndexOf(messageId));

        private int IndexOf(int messageId) => Messages.FindIndex(m => m.Message.MessageId == messageId);
    }
}
