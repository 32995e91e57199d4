using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniChat.TelegramSandbox;

// The Bot API's own shapes (https://core.telegram.org/bots/api#available-types), the subset the sandbox answers with.
// Serialized with snake_case names and without null members, as Telegram does.

public sealed record BotUser(long Id, bool IsBot, string FirstName, string? Username = null, bool? CanJoinGroups = null,
    bool? CanReadAllGroupMessages = null, bool? SupportsInlineQueries = null);

public sealed record BotChat(long Id, string Type, string? Title = null, string? FirstName = null, bool? IsForum = null);

public sealed record ForumTopicCreated(string Name, int IconColor);

public sealed record BotMessage(int MessageId, long Date, BotChat Chat, BotUser From, int? MessageThreadId = null, string? Text = null,
    bool? IsTopicMessage = null, JsonElement? ReplyMarkup = null, ForumTopicCreated? ForumTopicCreated = null);

public sealed record ForumTopic(int MessageThreadId, string Name, int IconColor);

public sealed record ResponseParameters(int? RetryAfter = null, long? MigrateToChatId = null);

/// <summary>A Bot API answer: <c>{ok: true, result}</c> or <c>{ok: false, error_code, description, parameters?}</c>.</summary>
public sealed record BotApiResponse(bool Ok, object? Result = null, int? ErrorCode = null, string? Description = null, ResponseParameters? Parameters = null)
{
    public static BotApiResponse Success(object result) => new(true, result);

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
