using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Messages;

/// <summary>A message in a conversation, ordered by <see cref="Seq"/> (gapless per conversation).</summary>
public sealed class Message : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid ConversationId { get; set; }

    public long Seq { get; set; }

    public MessageDirection Direction { get; set; }

    public required string Text { get; set; }

    /// <summary>The agent who wrote an outbound message.</summary>
    public string? Agent { get; set; }

    /// <summary>The sender's idempotency key: a repeat returns the first result.</summary>
    public Guid? ClientMessageId { get; set; }

    public string Channel { get; set; } = "web";

    public string Interface { get; set; } = "widget";

    /// <summary>Attachment descriptors, JSON.</summary>
    public string? Attachments { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the author last edited the text (Telegram edits are applied in place).</summary>
    public DateTimeOffset? EditedAt { get; set; }
}

/// <summary>Who a message goes to.</summary>
public enum MessageDirection
{
    Inbound,
    Outbound,
    System,
}
