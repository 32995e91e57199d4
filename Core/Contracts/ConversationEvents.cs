namespace OmniChat.Core.Contracts;

/// <summary>
/// A domain event of a conversation. Events are immutable, past tense, and carry the tenant and their own id
/// (<see cref="EventId"/>, stable across retries, for consumers' idempotency). <c>Seq</c> (on <see cref="MessageAdded"/>) is the conversation's
/// sequence number when the event is a stored message, for ordering and gapless resume.
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
    Guid MessageId, long Seq, string Direction, string Text, string? Agent, Guid? ClientMessageId) : IConversationEvent;

public sealed record ConversationClaimed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string Agent) : IConversationEvent;

public sealed record ConversationReleased(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string? Agent) : IConversationEvent;

public sealed record ConversationClosed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string? ClosedBy) : IConversationEvent;

public sealed record ConversationRenamed(Guid EventId, Guid TenantId, Guid ConversationId, DateTimeOffset OccurredAt,
    string Name) : IConversationEvent;
