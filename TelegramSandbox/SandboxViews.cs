using System.Text.Json;

namespace OmniChat.TelegramSandbox;

// What the control API (/sandbox/...) answers with: the sandbox's own view of its state, camelCase, for tests, the
// benchmark and the web page. Never a bot token.

/// <summary>A file attached to a message.</summary>
public sealed record FileView(string FileId, string? FileName, string? MimeType, long FileSize);

/// <summary>
/// A message in a chat, from the bot or from a person, as the sandbox keeps it (with what Telegram would not echo back,
/// such as silence). <c>Service</c> names a service message (<c>forum_topic_created</c>, <c>forum_topic_closed</c>, …).
/// </summary>
public sealed record SentMessage(int MessageId, int? ThreadId, string? Text, bool Silent, JsonElement? ReplyMarkup, DateTimeOffset SentAt,
    long FromUserId, bool FromBot, string FromName)
{
    public bool? IsTopicMessage { get; init; }

    public int? ReplyToMessageId { get; init; }

    public DateTimeOffset? EditedAt { get; init; }

    public string? Caption { get; init; }

    public FileView? Document { get; init; }

    public FileView? Photo { get; init; }

    public string? Service { get; init; }
}

/// <summary>A forum topic of a group.</summary>
public sealed record TopicInfo(int ThreadId, string Name, bool Closed, bool Deleted);

/// <summary>What one bot did against the sandbox.</summary>
public sealed record BotStats(long BotId, long Requests, long MessagesSent, long TooManyRequests, long FaultsServed,
    long UpdatesDelivered, int UpdatesPending);

/// <summary>An answer the sandbox gives instead of the real one, the next <c>Count</c> times a bot calls <c>Method</c>.</summary>
public sealed record InjectedFault(string Method, int ErrorCode, string Description, int? RetryAfter, int Count);

/// <summary>A bot made by <c>POST /sandbox/bots</c>: the only answer that carries its token.</summary>
public sealed record CreatedBot(long BotId, string Token, string Username);

/// <summary>A person in a group.</summary>
public sealed record MemberView(long UserId, string FirstName, string? LastName, string? Username, string Status);

/// <summary>A chat of a bot: a group (with its members) or a private chat with one person.</summary>
public sealed record ChatView(long ChatId, string Type, string Title, bool IsForum, string BotStatus, bool BotCanManageTopics,
    bool Blocked, IReadOnlyList<MemberView> Members);

/// <summary>A bot the sandbox knows, without its token.</summary>
public sealed record BotView(long BotId, string Username, string FirstName, bool WebhookSet, int UpdatesPending,
    string? LastWebhookError, IReadOnlyList<ChatView> Chats);

/// <summary>A group made by <c>POST /sandbox/bots/{botId}/groups</c>.</summary>
public sealed record CreatedGroup(long ChatId, string Title, bool IsForum);

/// <summary>What a person did, and the update it produced (none when the bot would not see it).</summary>
public sealed record PersonAction(SentMessage? Message, int? UpdateId);

/// <summary>A button press (a callback query) and the bot's answer to it, if any.</summary>
public sealed record CallbackView(string CallbackQueryId, long ChatId, int MessageId, long FromUserId, string Data, DateTimeOffset PressedAt,
    int? UpdateId, bool Answered, string? AnswerText, bool? ShowAlert, string? AnswerUrl, DateTimeOffset? AnsweredAt);

/// <summary>A press of an inline button: which one, and the update it produced.</summary>
public sealed record PressedButton(string CallbackQueryId, int? UpdateId);

/// <summary>A person blocked or unblocked the bot.</summary>
public sealed record BlockChange(long UserId, bool Blocked, int? UpdateId);

/// <summary>A stored file's bytes, for a download.</summary>
public sealed record FileContent(byte[] Content, string ContentType, string? FileName);

/// <summary>An update on its way to a bot's webhook.</summary>
public sealed record PendingDelivery(Uri Url, string? SecretToken, int UpdateId, string Body, int WebhookVersion);
