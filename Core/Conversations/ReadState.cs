using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>How far one portal user has read one conversation: messages after <see cref="LastReadSeq"/> are unread for them.</summary>
public sealed class ReadState : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid UserId { get; set; }

    public Guid ConversationId { get; set; }

    public long LastReadSeq { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ReadStateConfiguration : IEntityTypeConfiguration<ReadState>
{
    public void Configure(EntityTypeBuilder<ReadState> builder)
    {
        builder.ToTable("read_states");
        builder.HasKey(r => new { r.TenantId, r.UserId, r.ConversationId });
        builder.HasOne<Conversation>().WithMany().HasForeignKey(r => new { r.TenantId, r.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
