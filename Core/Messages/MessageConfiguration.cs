using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Conversations;

namespace OmniChat.Core.Messages;

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.ToTable("messages");
        builder.Property(m => m.Direction).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.Text).HasMaxLength(4000);
        builder.Property(m => m.Agent).HasMaxLength(200);
        builder.Property(m => m.Channel).HasMaxLength(32);
        builder.Property(m => m.Interface).HasMaxLength(32);
        builder.Property(m => m.Attachments).HasColumnType("jsonb");
        builder.HasIndex(m => new { m.TenantId, m.ConversationId, m.Seq }).IsUnique();
        // Retention deletes a tenant's oldest messages in small batches.
        builder.HasIndex(m => new { m.TenantId, m.CreatedAt });
        builder.HasIndex(m => new { m.TenantId, m.ConversationId, m.ClientMessageId })
            .IsUnique()
            .HasFilter("client_message_id IS NOT NULL");
        // References within a tenant include the tenant: a foreign-key check is not subject to row-level security, so a
        // key on the id alone would accept another tenant's conversation (ADR 0011).
        builder.HasOne<Conversation>().WithMany().HasForeignKey(m => new { m.TenantId, m.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}
