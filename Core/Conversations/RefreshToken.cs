using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>
/// A rotating refresh token of a conversation. Each use marks it used and issues the next one in the same
/// <see cref="FamilyId"/>; presenting a used token again revokes the whole family (token theft detection).
/// </summary>
public sealed class RefreshToken : ITenantOwned
{
    /// <summary>How long an unused refresh token stays valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid ConversationId { get; set; }

    public Guid FamilyId { get; set; }

    /// <summary>SHA-256 of the token.</summary>
    public required byte[] TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> builder)
    {
        builder.ToTable("refresh_tokens");
        builder.HasIndex(t => new { t.TenantId, t.TokenHash }).IsUnique();
        builder.HasIndex(t => new { t.TenantId, t.FamilyId });
        builder.HasOne<Conversation>().WithMany().HasForeignKey(t => new { t.TenantId, t.ConversationId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}
