using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OmniChat.Core.Webhooks;

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.Property(s => s.Url).HasMaxLength(2000);
        builder.HasIndex(s => new { s.TenantId, s.CreatedAt });
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.Property(d => d.EventType).HasMaxLength(100);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(2000);
        // A redelivered message creates nothing new: one delivery per event and subscription.
        builder.HasIndex(d => new { d.TenantId, d.SubscriptionId, d.EventId }).IsUnique();
        // The sender scans pending deliveries by due time; the log lists a subscription's newest first.
        builder.HasIndex(d => new { d.NextAttemptAt }).HasFilter("status = 'Pending'");
        builder.HasIndex(d => new { d.SubscriptionId, d.PartitionKey, d.Seq });
        builder.HasIndex(d => new { d.TenantId, d.SubscriptionId, d.CreatedAt });
        // Dead letters: counted for the Workers' gauge every sample and per range for a tenant's statistics.
        builder.HasIndex(d => new { d.TenantId, d.DeadAt }).HasFilter("status = 'Dead'");
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => new { d.TenantId, d.SubscriptionId })
            .HasPrincipalKey(s => new { s.TenantId, s.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ProcessedMessageConfiguration : IEntityTypeConfiguration<ProcessedMessage>
{
    public void Configure(EntityTypeBuilder<ProcessedMessage> builder)
    {
        builder.ToTable("processed_messages");
        builder.HasKey(p => new { p.TenantId, p.Consumer, p.MessageId });
        builder.Property(p => p.Consumer).HasMaxLength(100);
    }
}
