namespace OmniChat.Core.Webhooks;

/// <summary>Outgoing webhook delivery settings (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Webhooks";

    /// <summary>How long a delivery is retried before it goes to the dead-letter store.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>First retry delay; each next one doubles (with ±20 % jitter) up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest delay between attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A receiver must answer within this time.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight at once per sender.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>Deliveries of one tenant in flight at once per sender: a tenant's hanging endpoints leave the rest to others.</summary>
    public int PerTenantConcurrency { get; set; } = 4;

    /// <summary>How often the sender looks for due deliveries when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Allow loopback targets (127.0.0.0/8, ::1). Development only: the AppHost sets it so local receivers work.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Networks allowed although private (CIDR, e.g. <c>10.1.0.0/16</c>), for integrators inside a private network.</summary>
    public string[] AllowedPrivateNetworks { get; set; } = [];
}
