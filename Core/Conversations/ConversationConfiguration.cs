using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Customers;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.ToTable("conversations");
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.ClaimedBy).HasMaxLength(200);
        builder.Property(c => c.Locale).HasMaxLength(35);
        builder.Property(c => c.Metadata).HasColumnType("jsonb");
        builder.Property(c => c.Channel).HasMaxLength(32);
        builder.Property(c => c.Interface).HasMaxLength(32);
        // Lists are newest activity first with an (updated_at, id) keyset cursor: both indexes end in those columns, so a
        // page is a short backward index scan, never a sort of every open conversation.
        builder.HasIndex(c => new { c.TenantId, c.UpdatedAt, c.Id });
        builder.HasIndex(c => new { c.TenantId, c.Status, c.UpdatedAt, c.Id });
        builder.HasIndex(c => new { c.TenantId, c.ThreadId });
        // The dashboard's statistics and the monthly usage count conversations by when they started.
        builder.HasIndex(c => new { c.TenantId, c.CreatedAt });
        builder.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
        // The tenant is part of the key (ADR 0011), so the database cannot null just the customer when one is deleted:
        // whoever deletes a customer first moves or detaches its conversations (EF does so for tracked ones).
        builder.HasOne<Customer>().WithMany().HasForeignKey(c => new { c.TenantId, c.CustomerId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.ClientSetNull);
    }
}
