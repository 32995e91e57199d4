using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>A Telegram update as received on a tenant's webhook, stored before it is processed (dedup on bot + update id).</summary>
public sealed class InboundUpdate : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public long BotId { get; set; }

    public long UpdateId { get; set; }

    /// <summary>The channel whose webhook received it.</summary>
    public Guid? ChannelId { get; set; }

    /// <summary>The chat it belongs to (0 when the update has none): updates of one chat are processed in update id order.</summary>
    public long ChatId { get; set; }

    /// <summary>The update's kind: <c>message</c>, <c>edited_message</c>, <c>callback_query</c>, <c>my_chat_member</c>, … or <c>unknown</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The update body, JSON.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
