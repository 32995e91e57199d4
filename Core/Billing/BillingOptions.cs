namespace OmniChat.Core.Billing;

/// <summary>The billing provider's webhooks (section <c>Billing</c>; docs/billing.md).</summary>
public sealed class BillingOptions
{
    public const string SectionName = "Billing";

    /// <summary>
    /// The provider's name, the last segment of <c>POST /billing/webhooks/{provider}</c>. Empty: billing webhooks are off
    /// (every provider is unknown).
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>The secret the provider signs its webhooks with (<c>Billing-Signature</c>). Required when a provider is set.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>How far a signature's timestamp may be from now: older deliveries are replays (or a clock far off).</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after a failed payment (the event's <c>created</c>) the tenant keeps working before it is suspended.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The plan a tenant moves to when its subscription is cancelled.</summary>
    public string CancelledPlan { get; set; } = Tenancy.Plan.FreeId;

    /// <summary>How often the Workers look for tenants whose grace period ran out.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>True when webhooks of <paramref name="provider"/> are accepted.</summary>
    public bool Accepts(string? provider) =>
        !string.IsNullOrEmpty(Provider) && !string.IsNullOrEmpty(WebhookSecret)
        && string.Equals(provider, Provider, StringComparison.Ordinal);
}
