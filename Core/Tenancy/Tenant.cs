namespace OmniChat.Core.Tenancy;

/// <summary>A company using OmniChat. Tenants are the unit of isolation for every other row.</summary>
public sealed class Tenant
{
    /// <summary>The identifier of the tenant the v1 API always serves.</summary>
    public const string DefaultIdentifier = "default";

    public Guid Id { get; set; }

    /// <summary>URL-safe slug, unique across the platform.</summary>
    public required string Identifier { get; set; }

    public required string Name { get; set; }

    public required string PlanId { get; set; }

    public TenantStatus Status { get; set; } = TenantStatus.Active;

    /// <summary>Why the tenant is suspended (null while active): an operator's decision, or billing (a payment not made in time).</summary>
    public SuspensionCause? SuspendedFor { get; set; }

    /// <summary>
    /// Until when a failed payment may still be settled; past it the tenant is suspended for billing. Null when no payment is
    /// outstanding.
    /// </summary>
    public DateTimeOffset? BillingGraceUntil { get; set; }

    /// <summary>The provider's time of the newest subscription event applied; an older one arriving late is stored, not applied.</summary>
    public DateTimeOffset? BillingSubscriptionAt { get; set; }

    /// <summary>The provider's time of the newest payment event applied; an older one arriving late is stored, not applied.</summary>
    public DateTimeOffset? BillingPaymentAt { get; set; }

    /// <summary>BCP 47 locale used when a conversation has none (second to last step of the template fallback chain).</summary>
    public string DefaultLocale { get; set; } = "en";

    /// <summary>Browser origins (<c>https://shop.example</c>) allowed to open the widget's sockets; empty = same origin only.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The attachment types the tenant accepts (sniffed media types); null: <see cref="Attachments.AttachmentOptions.DefaultTypes"/>.
    /// </summary>
    public List<string>? AttachmentTypes { get; set; }

    /// <summary>How many days messages, attachments, idle conversations and customers are kept (docs/retention.md).</summary>
    public int RetentionDays { get; set; } = Retention.RetentionSweep.DefaultDays;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The resolved-tenant view of this row.</summary>
    public TenantInfo ToInfo() => new(Id, Identifier, Name, Status, PlanId);
}

/// <summary>Lifecycle of a tenant.</summary>
public enum TenantStatus
{
    Active,
    Suspended,
}

/// <summary>Who suspended a tenant, which decides what may resume it (a payment resumes only a billing suspension).</summary>
public enum SuspensionCause
{
    /// <summary>A platform operator suspended it; only an operator resumes it.</summary>
    Operator,

    /// <summary>Its grace period after a failed payment ran out; a successful payment (or an operator) resumes it.</summary>
    Billing,
}
