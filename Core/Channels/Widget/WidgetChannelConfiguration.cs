using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Widget;

internal sealed class WidgetChannelConfiguration : IEntityTypeConfiguration<WidgetChannel>
{
    public void Configure(EntityTypeBuilder<WidgetChannel> builder)
    {
        builder.ToTable("widget_channels");
        builder.Property(c => c.SiteKey).HasMaxLength(40);
        builder.Property(c => c.IdentitySecretHint).HasMaxLength(8);
        builder.Property(c => c.PrimaryColor).HasMaxLength(7);
        builder.Property(c => c.Position).HasConversion<string>().HasMaxLength(8);
        // One widget per tenant; a site key names one tenant.
        builder.HasIndex(c => c.TenantId).IsUnique();
        builder.HasIndex(c => c.SiteKey).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
