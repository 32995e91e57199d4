using System.Text.Json.Serialization;

namespace OmniChat.Core.Contracts;

/// <summary>
/// A domain event of a conversation. Events are immutable, past tense, and carry the tenant and their own id
/// (<see cref="EventId"/>, stable across retries, for consumers' idempotency). <c>Seq</c> is the conversation's sequence number:
/// every stored event after the start (a message, a note, a claim, a release, a rename, the close) takes the next one, so one
/// conversation's events are contiguous and a consumer or a socket can tell a gap from a duplicate.
/// </summary>
public interface IConversationEvent
{
    Guid EventId { get; }

    Guid TenantId { get; }

    Guid ConversationId { get; }

    DateTimeOffset OccurredAt { get; }
}

public sealed record ConversationStarted(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string? Name, string? Locale, string Channel) : IConversationEvent;

public sealed record MessageAdded(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    Guid MessageId, long Seq, string Direction, string Text, string? Agent, Guid? ClientMessageId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoteKey = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Attachments.AttachmentDescriptor>? Attachments = null)
    : IConversationEvent;

public sealed record ConversationClaimed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string Agent, long Seq = 0) : IConversationEvent;

public sealed record ConversationReleased(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string? Agent, long Seq = 0) : IConversationEvent;

public sealed record ConversationClosed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string? ClosedBy, long Seq = 0) : IConversationEvent;

public sealed record ConversationRenamed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string Name, long Seq = 0) : IConversationEvent;

/// <summary>
/// Every contract the outbox stores, so every event the Server-Sent Events stream (<c>GET /v2/events</c>) and the agent
/// socket (<c>/v2/agents/ws</c>) carry: their <c>data</c> is the contract serialised with <c>CoreJson</c>, their event name
/// its wire type (<c>MessageAdded</c> → <c>message.added</c>). The OpenAPI document describes the streams from this list.
/// </summary>
public static class ConversationEventContracts
{
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(ConversationStarted), typeof(MessageAdded), typeof(ConversationClaimed), typeof(ConversationReleased),
        typeof(ConversationRenamed), typeof(ConversationClosed),
    ];
}
