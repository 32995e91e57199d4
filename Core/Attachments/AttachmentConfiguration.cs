using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Conversations;

namespace OmniChat.Core.Attachments;

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> builder)
    {
        builder.ToTable("attachments", t => t.HasCheckConstraint("ck_attachments_uploader", "uploader IN ('visitor', 'agent')"));
        builder.Property(a => a.Uploader).HasMaxLength(16);
        builder.Property(a => a.Name).HasMaxLength(AttachmentFileName.MaxLength);
        builder.Property(a => a.ContentType).HasMaxLength(127);
        builder.Property(a => a.StorageKey).HasMaxLength(200);
        builder.Property(a => a.Sha256).HasMaxLength(64).IsFixedLength();
        // The tenant's storage in use is summed from here; the conversation's attachments are found by this index too.
        builder.HasIndex(a => new { a.TenantId, a.ConversationId });
        builder.HasIndex(a => new { a.TenantId, a.CreatedAt });
        // References within a tenant include the tenant (ADR 0011).
        builder.HasOne<Conversation>().WithMany().HasForeignKey(a => new { a.TenantId, a.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
        // message_id has no foreign key (ADR 0028): one would need a unique (tenant_id, id) on messages, another index on
        // the hottest insert, and the only statement that sets it is the message's own insert (ConversationWriter).
        builder.HasIndex(a => new { a.TenantId, a.MessageId }).HasFilter("message_id IS NOT NULL");
    }
}
