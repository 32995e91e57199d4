using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Customers;

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("customers");
        builder.Property(c => c.DisplayName).HasMaxLength(200);
        builder.Property(c => c.Locale).HasMaxLength(35);
        builder.HasIndex(c => new { c.TenantId, c.UpdatedAt });
        builder.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Identities).WithOne().HasForeignKey(i => new { i.TenantId, i.CustomerId })
            .HasPrincipalKey(c => new { c.TenantId, c.Id }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CustomerIdentityConfiguration : IEntityTypeConfiguration<CustomerIdentity>
{
    public void Configure(EntityTypeBuilder<CustomerIdentity> builder)
    {
        builder.ToTable("customer_identities");
        builder.Property(i => i.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(i => i.ExternalId).HasMaxLength(200);
        builder.HasIndex(i => new { i.TenantId, i.Kind, i.ExternalId }).IsUnique();
        builder.HasIndex(i => new { i.TenantId, i.CustomerId });
    }
}
