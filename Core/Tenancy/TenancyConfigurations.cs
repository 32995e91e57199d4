using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OmniChat.Core.Tenancy;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("tenants");
        builder.Property(t => t.Identifier).HasMaxLength(64);
        builder.HasIndex(t => t.Identifier).IsUnique();
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.PlanId).HasMaxLength(64);
        builder.Property(t => t.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(t => t.SuspendedFor).HasConversion<string>().HasMaxLength(32);
        builder.Property(t => t.RetentionDays).HasDefaultValue(Retention.RetentionSweep.DefaultDays);
        // The grace sweeper looks for active tenants whose grace ran out: few rows ever have one.
        builder.HasIndex(t => t.BillingGraceUntil).HasFilter("billing_grace_until IS NOT NULL");
        builder.Property(t => t.DefaultLocale).HasMaxLength(35);
        builder.Property(t => t.AllowedOrigins).HasDefaultValueSql("'{}'::text[]");
        builder.HasOne<Plan>().WithMany().HasForeignKey(t => t.PlanId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PlanConfiguration : IEntityTypeConfiguration<Plan>
{
    public void Configure(EntityTypeBuilder<Plan> builder)
    {
        builder.ToTable("plans", t => t.HasCheckConstraint("ck_plans_soft_limit_percent", "soft_limit_percent BETWEEN 1 AND 100"));
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.SoftLimitPercent).HasDefaultValue(Plan.DefaultSoftLimitPercent);
        builder.HasData(Plan.Defaults);
    }
}
