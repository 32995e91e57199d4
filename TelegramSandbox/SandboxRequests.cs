using System.Text.RegularExpressions;

namespace OmniChat.TelegramSandbox;

/// <summary>A control API request that checks its own shape; what depends on the sandbox's state is checked there.</summary>
public interface ISandboxRequest
{
    /// <summary>Field → what it must be, for every field that is not; empty when the request is well formed.</summary>
    IReadOnlyDictionary<string, string> Validate();
}

/// <summary>What a fault injection asks for (<c>POST /sandbox/bots/{botId}/faults</c>).</summary>
public sealed record FaultRequest(string Method, int ErrorCode, string? Description, int? RetryAfter, int Count = 1) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("method", !string.IsNullOrWhiteSpace(Method) && SandboxRequestShapes.MethodName().IsMatch(Method), "a Bot API method name, such as sendMessage")
        .Check("errorCode", ErrorCode is >= 400 and <= 599, "an HTTP error status, 400 to 599")
        .Check("count", Count is >= 1 and <= 10_000, "1 to 10000")
        .Check("retryAfter", RetryAfter is null or (>= 1 and <= 3600), "1 to 3600 seconds");
}

/// <summary><c>POST /sandbox/bots</c>: a bot with a token of its own.</summary>
public sealed record CreateBotRequest(string? Username, string? FirstName) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("username", Username is null || SandboxRequestShapes.BotUsername().IsMatch(Username), "5 to 32 letters, digits or '_', ending in 'bot'")
        .Check("firstName", FirstName is null || RequestRules.Name(FirstName), "1 to 64 characters");
}

/// <summary><c>POST /sandbox/bots/{botId}/groups</c>: a supergroup (a forum unless told otherwise) with the bot in it.</summary>
public sealed record CreateGroupRequest(string Title, bool IsForum = true, bool BotIsAdmin = true, bool CanManageTopics = true,
    IReadOnlyList<long>? MemberUserIds = null) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("title", !string.IsNullOrWhiteSpace(Title) && Title.Length <= 128, "1 to 128 characters")
        .Check("memberUserIds", MemberUserIds is null || (MemberUserIds.Count <= 200 && MemberUserIds.All(id => id > 0)), "at most 200 positive user ids");
}

/// <summary><c>POST /sandbox/bots/{botId}/groups/{chatId}/members</c>: a person joins a group (or changes status).</summary>
public sealed record AddMemberRequest(long UserId, string FirstName, string? LastName, string? Username, string Status = "member") : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("userId", UserId > 0, "a positive user id")
        .Check("firstName", RequestRules.Name(FirstName), "1 to 64 characters")
        .Check("lastName", LastName is null || RequestRules.Name(LastName), "1 to 64 characters")
        .Check("username", Username is null || SandboxRequestShapes.Username().IsMatch(Username), "5 to 32 letters, digits or '_'")
        .Check("status", Status is "member" or "administrator", "'member' or 'administrator'");
}

/// <summary>A file a person sends: its bytes in base64 (at most the sandbox's file size cap).</summary>
public sealed record AttachmentRequest(string? FileName, string ContentBase64, string? MimeType);

/// <summary><c>POST /sandbox/bots/{botId}/chats/{chatId}/messages</c>: a person writes (text, a document or a photo).</summary>
public sealed record PersonMessageRequest(long FromUserId, string? Text, int? ThreadId, string? FirstName, string? LastName, string? Username,
    int? ReplyToMessageId, AttachmentRequest? Document, AttachmentRequest? Photo) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("fromUserId", FromUserId > 0, "a positive user id")
        .Check("text", !string.IsNullOrWhiteSpace(Text) || Document is not null || Photo is not null, "given unless a document or photo is")
        .Check("text", Text is null || Text.Length <= BotApiState.MaxTextLength, $"at most {BotApiState.MaxTextLength} characters")
        .Check("text", Text is null || !Text.Contains('\0', StringComparison.Ordinal), "free of NUL characters")
        .Check("threadId", ThreadId is null or > 1, "the id of a topic (the General topic is no threadId at all)")
        .Check("firstName", FirstName is null || RequestRules.Name(FirstName), "1 to 64 characters")
        .Check("lastName", LastName is null || RequestRules.Name(LastName), "1 to 64 characters")
        .Check("username", Username is null || SandboxRequestShapes.Username().IsMatch(Username), "5 to 32 letters, digits or '_'")
        .Check("document", Document is null || Photo is null, "absent when a photo is sent")
        .Check("document.contentBase64", Document is null || !string.IsNullOrEmpty(Document.ContentBase64), "the file's bytes in base64")
        .Check("photo.contentBase64", Photo is null || !string.IsNullOrEmpty(Photo.ContentBase64), "the image's bytes in base64");
}

/// <summary><c>POST /sandbox/bots/{botId}/chats/{chatId}/messages/{messageId}/edit</c>: a person edits their message.</summary>
public sealed record PersonEditRequest(long FromUserId, string Text) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("fromUserId", FromUserId > 0, "a positive user id")
        .Check("text", !string.IsNullOrWhiteSpace(Text) && Text.Length <= BotApiState.MaxTextLength, $"1 to {BotApiState.MaxTextLength} characters");
}

/// <summary><c>POST /sandbox/bots/{botId}/chats/{chatId}/callbacks</c>: a person presses an inline button.</summary>
public sealed record ButtonPressRequest(long FromUserId, int MessageId, string Data) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("fromUserId", FromUserId > 0, "a positive user id")
        .Check("messageId", MessageId > 0, "the id of a bot's message")
        .Check("data", !string.IsNullOrEmpty(Data) && Data.Length <= 64, "the button's callback_data (1 to 64 bytes)");
}

/// <summary>Who closes or reopens a topic; without one the topic changes silently.</summary>
public sealed record TopicActionRequest(long? FromUserId) : ISandboxRequest
{
    public IReadOnlyDictionary<string, string> Validate() => new RequestRules()
        .Check("fromUserId", FromUserId is null or > 0, "a positive user id");
}

/// <summary>Collects the fields a request gets wrong.</summary>
public sealed class RequestRules : Dictionary<string, string>
{
    public RequestRules() : base(StringComparer.Ordinal)
    {
    }

    public RequestRules Check(string field, bool holds, string expected)
    {
        if (!holds)
        {
            TryAdd(field, expected);
        }
        return this;
    }

    public static bool Name(string? name) => !string.IsNullOrWhiteSpace(name) && name.Length <= 64;
}

public static partial class SandboxRequestShapes
{
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$")]
    public static partial Regex MethodName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]$")]
    public static partial Regex BotUsername();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{4,31}$")]
    public static partial Regex Username();
}
