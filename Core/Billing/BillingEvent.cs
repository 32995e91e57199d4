using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Billing;

/// <summary>
/// One webhook event of the billing provider, stored once per <c>(provider, event id)</c> in its tenant's data, with what
/// applying it did. A repeat of the same id changes nothing.
/// </summary>
public sealed class BillingEvent : ITenantOwned
{
    public const int MaxIdLength = 255;
    public const int MaxTypeLength = 100;

    public required string Provider { get; set; }

    /// <summary>The provider's event id (<c>id</c>).</summary>
    public required string EventId { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>The provider's event type (<c>type</c>), for example <c>payment_failed</c>.</summary>
    public required string Type { get; set; }

    /// <summary>When the provider says it happened (<c>created</c>): the order events are applied in.</summary>
    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>The event as the provider sent it (signed bytes, kept for audit and support).</summary>
    public required string Body { get; set; }

    public BillingOutcome Outcome { get; set; }
}

/// <summary>What receiving a billing event did.</summary>
public enum BillingOutcome
{
    /// <summary>It changed the tenant (plan, grace period, status).</summary>
    Applied,

    /// <summary>An event newer than it was applied already: stored, not applied (the newer state stands).</summary>
    Superseded,

    /// <summary>A type OmniChat does not act on, or nothing to change: stored only.</summary>
    Ignored,
}

internal sealed class BillingEventConfiguration : IEntityTypeConfiguration<BillingEvent>
{
    public void Configure(EntityTypeBuilder<BillingEvent> builder)
    {
        builder.ToTable("billing_events");
        builder.HasKey(e => new { e.Provider, e.EventId });
        builder.Property(e => e.Provider).HasMaxLength(64);
        builder.Property(e => e.EventId).HasMaxLength(BillingEvent.MaxIdLength);
        builder.Property(e => e.Type).HasMaxLength(BillingEvent.MaxTypeLength);
        builder.Property(e => e.Body).HasColumnType("jsonb");
        builder.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(e => new { e.TenantId, e.OccurredAt });
        builder.HasOne<Tenant>().WithMany().HasForeignKey(e => e.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
