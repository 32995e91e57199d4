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

    /// <summary>Times the Workers took it (a crash counts: a worker that dies mid-update still used an attempt).</summary>
    public int Attempts { get; set; }

    /// <summary>Why the last attempt failed (kept once it is given up on).</summary>
    public string? LastError { get; set; }

    /// <summary>Not taken again before this time (backoff after a failed attempt); null: at once.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The worker's lease while it processes the update: the outcome is recorded only under this lease.</summary>
    public Guid? LeaseId { get; set; }

    /// <summary>When the lease lapses (a crashed worker's update is taken again after it).</summary>
    public DateTimeOffset? LeasedUntil { get; set; }

    /// <summary>
    /// Set when the update was given up on (malformed, or every attempt failed): it counts as processed, so the chat's
    /// next update goes on, and <see cref="LastError"/> says why.
    /// </summary>
    public DateTimeOffset? FailedAt { get; set; }
}
