using System.Text.Json;
using System.Text.Json.Serialization;
using OmniChat.Core.Attachments;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Templates;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Conversations;

/// <summary><c>POST /v1/conversations</c> and <c>POST /v2/conversations</c>.</summary>
public sealed record StartConversationRequest(string? Name, string? Locale, JsonElement? Metadata);

/// <summary><c>POST /v2/conversations</c>: a conversation, optionally for a customer known by the integrator's own id.</summary>
public sealed record V2StartConversationRequest(string? Name, string? Locale, JsonElement? Metadata, CustomerReference? Customer);

/// <summary>The integrator's customer: found by <see cref="ExternalId"/> in this tenant, created when new.</summary>
public sealed record CustomerReference([property: Required] string? ExternalId, string? DisplayName);

/// <summary><c>POST …/token</c>.</summary>
public sealed record RefreshTokenRequest([property: Required] string? RefreshToken);

/// <summary>A visitor's message (<c>POST /v1/conversations/{id}/messages</c>).</summary>
public sealed record SendMessageRequest([property: Required] string? Text, Guid? ClientMessageId);

/// <summary>An agent's reply (<c>POST /v1/admin/conversations/{id}/reply</c>; frozen, v2 has <see cref="V2AgentReplyRequest"/>).</summary>
public sealed record AgentReplyRequest([property: Required] string? Agent, [property: Required] string? Text, Guid? ClientMessageId);

/// <summary>An agent's reply in API v2 (<c>POST /v2/conversations/{id}/messages</c>), optionally carrying uploaded attachments.</summary>
public sealed record V2AgentReplyRequest([property: Required] string? Agent, [property: Required] string? Text, Guid? ClientMessageId,
    [property: System.ComponentModel.Description("Up to 10 attachments uploaded by agents into this conversation (`POST /v2/conversations/{id}/attachments`) and not yet on a message.")]
    IReadOnlyList<Guid>? AttachmentIds);

/// <summary><c>POST …/claim</c>.</summary>
public sealed record ClaimRequest([property: Required] string? Agent);

/// <summary><c>PATCH /v2/conversations/{id}</c>.</summary>
public sealed record RenameRequest([property: Required] string? Name);

public sealed record StartConversationResponse(Guid ConversationId, string Token, string RefreshToken, int ExpiresIn);

public sealed record TokenResponse(string Token, string RefreshToken, int ExpiresIn);

/// <summary>A message as written. <c>attachments</c> only on a v2 write that carried uploads (v1 never has it).</summary>
public sealed record MessageResponse(
    Guid Id,
    long Seq,
    string Direction,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AttachmentDescriptor>? Attachments = null)
{
    public static MessageResponse From(MessageRecord m) =>
        new(m.Id, m.Seq, Wire(m.Direction), m.Text, m.Agent, m.CreatedAt, m.Attachments is { Count: > 0 } a ? a : null);

    public static MessageResponse From(Message m) => new(m.Id, m.Seq, Wire(m.Direction), m.Text, m.Agent, m.CreatedAt);

    private static string Wire(MessageDirection direction) => direction.ToString().ToUpperInvariant();
}

public sealed record MessagePageResponse(IReadOnlyList<MessageResponse> Messages, long NextAfterSeq);

/// <summary>A message in API v2: the v1 shape plus where it was delivered.</summary>
public sealed record V2MessageResponse(
    Guid Id,
    long Seq,
    string Direction,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent,
    DateTimeOffset CreatedAt,
    IReadOnlyList<MessageDeliveryResponse> Deliveries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AttachmentDescriptor>? Attachments = null)
{
    public static V2MessageResponse From(Message m, IReadOnlyList<MessageDeliveryResponse> deliveries)
    {
        var v1 = MessageResponse.From(m);
        return new(v1.Id, v1.Seq, v1.Direction, v1.Text, v1.Agent, v1.CreatedAt, deliveries, AttachmentLinker.Read(m.Attachments));
    }
}

/// <summary>
/// A message's delivery to one target outside OmniChat's own clients: <c>telegram_group</c> (the conversation's topic in
/// the tenant's support group) or <c>telegram_private</c> (the customer's chat with the bot). Status <c>pending</c>,
/// <c>sent</c>, <c>failed</c> (with the reason) or <c>dead</c> (retries used up; the operator can replay it).
/// </summary>
public sealed record MessageDeliveryResponse(
    string Target,
    string Status,
    int Attempts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LastError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TelegramMessageId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? SentAt)
{
    public static MessageDeliveryResponse From(TelegramDelivery d) => new(
        "telegram_" + d.Target, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastError, d.TelegramMessageId, d.SentAt);
}

public sealed record V2MessagePageResponse(IReadOnlyList<V2MessageResponse> Messages, long NextAfterSeq);

public sealed record ConversationResponse(
    Guid Id,
    Guid? CustomerId,
    string? Name,
    string Status,
    string? ClaimedBy,
    string? Locale,
    long LastSeq,
    string Channel,
    string Interface,
    bool Unanswered,
    DateTimeOffset? LastInboundAt,
    DateTimeOffset? LastOutboundAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConversationResponse From(Conversation c) => new(c.Id, c.CustomerId, c.Name, c.Status.ToString().ToLowerInvariant(), c.ClaimedBy,
        c.Locale, c.LastSeq, c.Channel, c.Interface,
        ConversationQueries.IsUnanswered(c.LastInboundAt, c.LastOutboundAt),
        c.LastInboundAt, c.LastOutboundAt, c.CreatedAt, c.UpdatedAt);
}

public sealed record ConversationListResponse(IReadOnlyList<ConversationResponse> Conversations, string? NextCursor);

public sealed record ConversationStateResponse(Guid Id, string Status, string? ClaimedBy)
{
    public static ConversationStateResponse From(ConversationState s) =>
        new(s.ConversationId, s.Status.ToString().ToLowerInvariant(), s.ClaimedBy);
}

/// <summary>Field rules of the conversation contracts beyond Core's <see cref="ConversationRules"/>; every failure is collected, then thrown as one <c>validation_failed</c>.</summary>
internal static class ConversationRequestRules
{
    public const int MaxMetadataBytes = 4096;

    public static (string? Name, string? Locale, string? MetadataJson) Validate(StartConversationRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request?.Name?.Trim();
        if (name is { Length: > ConversationRules.MaxNameLength } || (name?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            errors["name"] = [$"At most {ConversationRules.MaxNameLength} characters."];
        }
        var locale = request?.Locale?.Trim();
        if (locale is not null && !IsLocale(locale))
        {
            errors["locale"] = [LocaleTag.Rule];
        }
        string? metadata = null;
        if (request?.Metadata is { } element && element.ValueKind != JsonValueKind.Null)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors["metadata"] = ["An object."];
            }
            else
            {
                metadata = element.GetRawText();
                if (System.Text.Encoding.UTF8.GetByteCount(metadata) > MaxMetadataBytes)
                {
                    errors["metadata"] = [$"At most {MaxMetadataBytes} bytes of JSON."];
                }
                else if (metadata.Contains("\\u0000", StringComparison.OrdinalIgnoreCase))
                {
                    errors["metadata"] = ["Must not contain NUL characters."];
                }
            }
        }
        ValidationException.ThrowIfAny(errors);
        return (string.IsNullOrEmpty(name) ? null : name, locale, metadata);
    }

    public static int Limit(int? limit, Dictionary<string, string[]> errors, int fallback = 50, int max = 200)
    {
        var value = limit ?? fallback;
        if (value is < 1 || value > max)
        {
            errors["limit"] = [$"Between 1 and {max}."];
        }
        return value;
    }

    /// <summary>A status filter (<c>open</c>, <c>claimed</c>, <c>closed</c>), or null when none was given.</summary>
    public static ConversationStatus? Status(string? status, Dictionary<string, string[]> errors)
    {
        if (status is null)
        {
            return null;
        }
        if (Enum.TryParse<ConversationStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _))
        {
            return parsed;
        }
        errors["status"] = ["One of open, claimed, closed."];
        return null;
    }

    public static bool IsLocale(string value) => LocaleTag.IsValid(value);
}

/// <summary>
/// What <c>DELETE /v2/conversations/{id}/customer</c> erased: the customer (null when the conversation had none, and
/// only it was erased), every conversation of theirs, how many messages were emptied and files deleted, and when.
/// </summary>
public sealed record CustomerErasureResponse(Guid? CustomerId, IReadOnlyList<Guid> Conversations, long Messages, long Attachments,
    DateTimeOffset ErasedAt)
{
    public static CustomerErasureResponse From(Core.Customers.ErasureResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.CustomerId, result.Conversations, result.Messages, result.Attachments, result.ErasedAt);
    }
}
