using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniChat.TelegramSandbox;

// The Bot API's own shapes (https://core.telegram.org/bots/api#available-types), the subset the sandbox answers with.
// Serialized with snake_case names and without null members, as Telegram does.

public sealed record BotUser(long Id, bool IsBot, string FirstName, string? LastName = null, string? Username = null,
    string? LanguageCode = null, bool? CanJoinGroups = null, bool? CanReadAllGroupMessages = null, bool? SupportsInlineQueries = null);

public sealed record BotChat(long Id, string Type, string? Title = null, string? Username = null, string? FirstName = null,
    string? LastName = null, bool? IsForum = null);

/// <summary>What <c>getChat</c> answers: the chat plus the members Telegram always writes.</summary>
public sealed record ChatFullInfo(long Id, string Type, string? Title, string? Username, string? FirstName, string? LastName, bool? IsForum)
{
    public int AccentColorId { get; init; }

    public int MaxReactionCount { get; init; } = 11;

    public AcceptedGiftTypes AcceptedGiftTypes { get; init; } = new(false, false, false, false);
}

public sealed record AcceptedGiftTypes(bool UnlimitedGifts, bool LimitedGifts, bool UniqueGifts, bool PremiumSubscription);

public sealed record ForumTopicCreated(string Name, int IconColor);

/// <summary>The Bot API's empty service objects (<c>forum_topic_closed</c>, <c>forum_topic_reopened</c>).</summary>
public sealed record EmptyServiceObject;

public sealed record PhotoSize(string FileId, string FileUniqueId, int Width, int Height, long FileSize);

public sealed record BotDocument(string FileId, string FileUniqueId, string? FileName, string? MimeType, long FileSize);

public sealed record BotFile(string FileId, string FileUniqueId, long FileSize, string FilePath);

public sealed record BotMessage(int MessageId, long Date, BotChat Chat, BotUser? From = null)
{
    public int? MessageThreadId { get; init; }

    public bool? IsTopicMessage { get; init; }

    public BotMessage? ReplyToMessage { get; init; }

    public long? EditDate { get; init; }

    public string? Text { get; init; }

    public IReadOnlyList<PhotoSize>? Photo { get; init; }

    public BotDocument? Document { get; init; }

    public string? Caption { get; init; }

    public ForumTopicCreated? ForumTopicCreated { get; init; }

    public EmptyServiceObject? ForumTopicClosed { get; init; }

    public EmptyServiceObject? ForumTopicReopened { get; init; }

    public JsonElement? ReplyMarkup { get; init; }
}

public sealed record ForumTopic(int MessageThreadId, string Name, int IconColor);

/// <summary>
/// A <c>ChatMember</c>: <c>status</c> says which kind (creator, administrator, member, restricted, left, kicked); the
/// rights are written for administrators only, as Telegram does.
/// </summary>
public sealed record ChatMemberShape(string Status, BotUser User)
{
    public bool? CanBeEdited { get; init; }

    public bool? IsAnonymous { get; init; }

    public bool? CanManageChat { get; init; }

    public bool? CanDeleteMessages { get; init; }

    public bool? CanManageVideoChats { get; init; }

    public bool? CanRestrictMembers { get; init; }

    public bool? CanPromoteMembers { get; init; }

    public bool? CanChangeInfo { get; init; }

    public bool? CanInviteUsers { get; init; }

    public bool? CanPostStories { get; init; }

    public bool? CanEditStories { get; init; }

    public bool? CanDeleteStories { get; init; }

    public bool? CanPinMessages { get; init; }

    public bool? CanManageTopics { get; init; }

    public long? UntilDate { get; init; }

    public static ChatMemberShape Administrator(BotUser user, bool canManageTopics) => new("administrator", user)
    {
        CanBeEdited = false,
        IsAnonymous = false,
        CanManageChat = true,
        CanDeleteMessages = true,
        CanManageVideoChats = true,
        CanRestrictMembers = true,
        CanPromoteMembers = false,
        CanChangeInfo = true,
        CanInviteUsers = true,
        CanPostStories = false,
        CanEditStories = false,
        CanDeleteStories = false,
        CanPinMessages = true,
        CanManageTopics = canManageTopics,
    };
}

public sealed record ChatMemberUpdated(BotChat Chat, BotUser From, long Date, ChatMemberShape OldChatMember, ChatMemberShape NewChatMember);

public sealed record CallbackQuery(string Id, BotUser From, BotMessage Message, string ChatInstance, string Data);

/// <summary>An <c>Update</c>: its id and exactly one of the optional members.</summary>
public sealed record BotUpdate(int UpdateId)
{
    public BotMessage? Message { get; init; }

    public BotMessage? EditedMessage { get; init; }

    public CallbackQuery? CallbackQuery { get; init; }

    public ChatMemberUpdated? MyChatMember { get; init; }

    /// <summary>The update's type as <c>allowed_updates</c> names it.</summary>
    [JsonIgnore]
    public string Type => Message is not null ? "message"
        : EditedMessage is not null ? "edited_message"
        : CallbackQuery is not null ? "callback_query"
        : "my_chat_member";
}

public sealed record WebhookInfo(string Url, bool HasCustomCertificate, int PendingUpdateCount)
{
    public long? LastErrorDate { get; init; }

    public string? LastErrorMessage { get; init; }

    public int? MaxConnections { get; init; }

    public IReadOnlyList<string>? AllowedUpdates { get; init; }
}

public sealed record ResponseParameters(int? RetryAfter = null, long? MigrateToChatId = null);

/// <summary>A Bot API answer: <c>{ok: true, result}</c> or <c>{ok: false, error_code, description, parameters?}</c>.</summary>
public sealed record BotApiResponse(bool Ok, object? Result = null, int? ErrorCode = null, string? Description = null, ResponseParameters? Parameters = null)
{
    public static BotApiResponse Success(object result, string? description = null) => new(true, result, Description: description);

    public static BotApiResponse Error(int code, string description, ResponseParameters? parameters = null) => new(false, null, code, description, parameters);
}

/// <summary>The Bot API's JSON conventions.</summary>
public static class BotApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
