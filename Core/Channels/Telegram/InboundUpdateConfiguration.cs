using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OmniChat.Core.Channels.Telegram;

internal sealed class InboundUpdateConfiguration : IEntityTypeConfiguration<InboundUpdate>
{
    public void Configure(EntityTypeBuilder<InboundUpdate> builder)
    {
        builder.ToTable("inbound_updates");
        builder.Property(u => u.Payload).HasColumnType("jsonb");
        builder.Property(u => u.LastError).HasMaxLength(2000);
        builder.HasIndex(u => new { u.TenantId, u.BotId, u.UpdateId }).IsUnique();
        builder.Property(u => u.Kind).HasMaxLength(32);
        builder.HasIndex(u => new { u.TenantId, u.ReceivedAt }).HasFilter("processed_at IS NULL");
        // The inbox processor takes each chat's pending updates in update id order.
        builder.HasIndex(u => new { u.BotId, u.ChatId, u.UpdateId }).HasFilter("processed_at IS NULL");
    }
}
