using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Conversations;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>
/// A tenant's agent known from Telegram: a member of the support group who acted there (claimed, replied, ran a command).
/// Created the first time the person acts, named after their Telegram name (made unique within the tenant); the admin
/// portal can link it to a portal user (<see cref="UserId"/>).
/// </summary>
public sealed class TelegramAgent : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public long TelegramUserId { get; set; }

    /// <summary>The agent name used in claims and replies (unique within the tenant).</summary>
    public required string Name { get; set; }

    public Guid? UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }
}

/// <summary>Where a Telegram delivery stands.</summary>
public enum TelegramDeliveryStatus
{
    /// <summary>Waiting to be sent (or to be tried again at <see cref="TelegramDelivery.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>Telegram accepted it; <see cref="TelegramDelivery.TelegramMessageId"/> says which message it became.</summary>
    Sent,

    /// <summary>Telegram refused it for good, or it was sent without an answer and is not sent again (never posted twice).</summary>
    Failed,

    /// <summary>The retry budget ran out; the operator can replay it.</summary>
    Dead,
}

/// <summary>
/// One domain event to one Telegram target (the support group's topic, or the customer's private chat): the delivery
/// record the sender works from, in seq order per conversation.
/// </summary>
public sealed class TelegramDelivery : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid ConversationId { get; set; }

    /// <summary>The domain event it comes from (with <see cref="Target"/> and <see cref="Kind"/>, unique).</summary>
    public Guid EventId { get; set; }

    /// <summary>The event's seq in its conversation (0 for the start): deliveries of a conversation go in this order.</summary>
    public long Seq { get; set; }

    /// <summary><c>topic</c> (open the topic with its welcome card), <c>message</c>, <c>card</c>, <c>title</c>, <c>closed</c>.</summary>
    public required string Kind { get; set; }

    /// <summary><c>group</c> (the conversation's topic) or <c>private</c> (the customer's chat with the bot).</summary>
    public required string Target { get; set; }

    /// <summary>The message delivered, for message deliveries.</summary>
    public Guid? MessageId { get; set; }

    /// <summary>What to send, JSON (text, agent, direction, …).</summary>
    public required string Payload { get; set; }

    public TelegramDeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public Guid? LeaseId { get; set; }

    public DateTimeOffset? LeasedUntil { get; set; }

    /// <summary>The chat it went to.</summary>
    public long? ChatId { get; set; }

    /// <summary>The Telegram message it became: recorded before the event counts as delivered, so it is never posted twice.</summary>
    public long? TelegramMessageId { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}

/// <summary>Which Telegram message is which OmniChat message (edits, replies, buttons), in both directions.</summary>
public sealed class TelegramMessageRef : ITenantOwned
{
    public Guid TenantId { get; set; }

    public long BotId { get; set; }

    public long ChatId { get; set; }

    public long TelegramMessageId { get; set; }

    public Guid ConversationId { get; set; }

    public Guid? MessageId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class TelegramAgentConfiguration : IEntityTypeConfiguration<TelegramAgent>
{
    public void Configure(EntityTypeBuilder<TelegramAgent> builder)
    {
        builder.ToTable("telegram_agents");
        builder.Property(a => a.Name).HasMaxLength(200);
        builder.HasIndex(a => new { a.TenantId, a.TelegramUserId }).IsUnique();
        builder.HasIndex(a => new { a.TenantId, a.Name }).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TelegramDeliveryConfiguration : IEntityTypeConfiguration<TelegramDelivery>
{
    public void Configure(EntityTypeBuilder<TelegramDelivery> builder)
    {
        builder.ToTable("telegram_deliveries");
        builder.Property(d => d.Kind).HasMaxLength(16);
        builder.Property(d => d.Target).HasMaxLength(16);
        builder.Property(d => d.Payload).HasColumnType("jsonb");
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(1000);
        builder.HasIndex(d => new { d.TenantId, d.EventId, d.Target, d.Kind }).IsUnique();
        // The sender takes each conversation's oldest pending delivery.
        builder.HasIndex(d => new { d.ConversationId, d.Seq }).HasFilter("status = 'Pending'");
        // Failures: dead ones counted for the Workers' gauge every sample, both kinds per range for a tenant's statistics.
        builder.HasIndex(d => new { d.TenantId, d.CreatedAt }).HasFilter("status IN ('Failed', 'Dead')");
        builder.HasIndex(d => new { d.TenantId, d.MessageId }).HasFilter("message_id IS NOT NULL");
        builder.HasOne<Conversation>().WithMany().HasForeignKey(d => new { d.TenantId, d.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TelegramMessageRefConfiguration : IEntityTypeConfiguration<TelegramMessageRef>
{
    public void Configure(EntityTypeBuilder<TelegramMessageRef> builder)
    {
        builder.ToTable("telegram_message_refs");
        builder.HasKey(r => new { r.TenantId, r.BotId, r.ChatId, r.TelegramMessageId });
        builder.HasIndex(r => new { r.TenantId, r.MessageId }).HasFilter("message_id IS NOT NULL");
        builder.HasOne<Conversation>().WithMany().HasForeignKey(r => new { r.TenantId, r.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}
