using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OmniChat.Core.Outbox;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.Property(o => o.MessageType).HasMaxLength(200);
        builder.Property(o => o.Payload).HasColumnType("jsonb");
        builder.Property(o => o.LastError).HasMaxLength(2000);
        // The dispatcher only ever scans unsent rows.
        builder.HasIndex(o => new { o.AvailableAt, o.CreatedAt }).HasFilter("sent_at IS NULL");
        builder.HasIndex(o => new { o.TenantId, o.PartitionKey, o.Seq });
    }
}
