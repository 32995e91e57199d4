using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Usage;

/// <summary>
/// What a tenant used of one metered limit on one day (UTC), counted by the Workers from the outbox stream, exactly once per
/// event (<c>processed_messages</c>). A billing period's usage is the sum of its days.
/// </summary>
public sealed class UsageCounter : ITenantOwned
{
    public Guid TenantId { get; set; }

    /// <summary><see cref="UsageMeters.Conversations"/> or <see cref="UsageMeters.Messages"/>.</summary>
    public required string Meter { get; set; }

    public DateOnly Day { get; set; }

    public long Count { get; set; }
}

/// <summary>
/// A tenant reached a share of one limit in one period: written once per <c>(meter, period, level)</c>, so the
/// <c>limit.reached</c> webhook, the audit entry and the portal banner come exactly once.
/// </summary>
public sealed class LimitNotice : ITenantOwned
{
    public Guid TenantId { get; set; }

    public required string Meter { get; set; }

    /// <summary>The first day of the billing period (a calendar month, UTC).</summary>
    public DateOnly PeriodStart { get; set; }

    /// <summary><see cref="UsageMeters.Soft"/> (the plan's warning share, 80 % unless it says otherwise) or <see cref="UsageMeters.Hard"/> (the limit).</summary>
    public required string Level { get; set; }

    /// <summary>The usage that crossed the threshold, and the limit then.</summary>
    public long Used { get; set; }

    public long Limit { get; set; }

    public DateTimeOffset ReachedAt { get; set; }
}

internal sealed class UsageCounterConfiguration : IEntityTypeConfiguration<UsageCounter>
{
    public void Configure(EntityTypeBuilder<UsageCounter> builder)
    {
        builder.ToTable("usage_counters");
        builder.HasKey(u => new { u.TenantId, u.Meter, u.Day });
        builder.Property(u => u.Meter).HasMaxLength(32);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LimitNoticeConfiguration : IEntityTypeConfiguration<LimitNotice>
{
    public void Configure(EntityTypeBuilder<LimitNotice> builder)
    {
        builder.ToTable("limit_notices");
        builder.HasKey(n => new { n.TenantId, n.Meter, n.PeriodStart, n.Level });
        builder.Property(n => n.Meter).HasMaxLength(32);
        builder.Property(n => n.Level).HasMaxLength(16);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(n => n.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
