using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OmniChat.Core.Templates;

internal sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> builder)
    {
        builder.ToTable("templates");
        builder.Property(t => t.Locale).HasMaxLength(35);
        builder.Property(t => t.Key).HasMaxLength(100);
        builder.Property(t => t.Text).HasMaxLength(4000);
        builder.HasIndex(t => new { t.TenantId, t.Locale, t.Key }).IsUnique();
    }
}
