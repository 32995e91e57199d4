using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>A support conversation. <see cref="LastSeq"/> orders its messages: the write path bumps it under a row lock.</summary>
public sealed class Conversation : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid? CustomerId { get; set; }

    public string? Name { get; set; }

    public ConversationStatus Status { get; set; } = ConversationStatus.Open;

    /// <summary>The agent who claimed the conversation.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>Telegram forum topic (message_thread_id) in the tenant's support group.</summary>
    public long? ThreadId { get; set; }

    /// <summary>The support group <see cref="ThreadId"/> lives in (a reconnected channel with another group needs a new topic).</summary>
    public long? TelegramGroupId { get; set; }

    /// <summary>The welcome card in the topic (its Claim / Close buttons follow the conversation's state).</summary>
    public long? TelegramCardMessageId { get; set; }

    public long LastSeq { get; set; }

    public string? Locale { get; set; }

    /// <summary>Client-supplied metadata, JSON (at most 4 KB).</summary>
    public string? Metadata { get; set; }

    /// <summary>Channel of the last inbound message (<c>web</c>, <c>telegram</c>, …).</summary>
    public string Channel { get; set; } = "web";

    /// <summary>Interface of the last inbound message (<c>widget</c>, <c>bot</c>, <c>webapp</c>, …).</summary>
    public string Interface { get; set; } = "widget";

    public DateTimeOffset? LastInboundAt { get; set; }

    public DateTimeOffset? LastOutboundAt { get; set; }

    /// <summary>The first visitor message (set once by the write path).</summary>
    public DateTimeOffset? FirstInboundAt { get; set; }

    /// <summary>The first agent reply after <see cref="FirstInboundAt"/> (set once by the write path): the first response.</summary>
    public DateTimeOffset? FirstResponseAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}

/// <summary>Lifecycle of a conversation.</summary>
public enum ConversationStatus
{
    Open,
    Claimed,
    Closed,
}
