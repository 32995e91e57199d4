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
        builder.HasIndex(m => new { m.TenantId, m.ConversationId, m.ClientMessageId })
            .IsUnique()
            .HasFilter("client_message_id IS NOT NULL");
        builder.HasOne<Conversation>().WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
    }
}
