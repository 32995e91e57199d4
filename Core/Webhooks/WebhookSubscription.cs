using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Webhooks;

/// <summary>
/// An integrator's endpoint for the tenant's events. Its signing secret is never stored: it is derived from the platform
/// key, the subscription id and <see cref="SecretVersion"/> (see <see cref="WebhookSigning"/>), shown once at creation
/// and on rotation. After a rotation the previous version keeps signing too until <see cref="PreviousSecretExpiresAt"/>.
/// </summary>
public sealed class WebhookSubscription : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Url { get; set; }

    /// <summary>Wire event names (<c>message.added</c>, …).</summary>
    public List<string> Events { get; set; } = [];

    public bool Enabled { get; set; } = true;

    public int SecretVersion { get; set; } = 1;

    public int? PreviousSecretVersion { get; set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One event for one subscription: its delivery record (pending → sent, or dead after the retry budget).</summary>
public sealed class WebhookDelivery : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid SubscriptionId { get; set; }

    /// <summary>The domain event's id: the <c>OmniChat-Event-Id</c> header, the same on every attempt.</summary>
    public Guid EventId { get; set; }

    public required string EventType { get; set; }

    /// <summary>The conversation: deliveries of one conversation to one subscription go out in <see cref="Seq"/> order.</summary>
    public Guid PartitionKey { get; set; }

    public long Seq { get; set; }

    /// <summary>The exact body sent (JSON, kept as text so every attempt sends the same bytes).</summary>
    public required string Payload { get; set; }

    public WebhookDeliveryStatus Status { get; set; } = WebhookDeliveryStatus.Pending;

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>Retries stop after this (creation or last redelivery + the retry window); then the delivery is dead.</summary>
    public DateTimeOffset RetryUntil { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>When the retry budget ran out (the delivery is in the dead-letter store).</summary>
    public DateTimeOffset? DeadAt { get; set; }

    /// <summary>
    /// Queues the delivery to be sent again at <paramref name="now"/> with a fresh <paramref name="retryWindow"/> (a
    /// tenant's redelivery, an operator's replay of a dead letter): pending, out of the dead-letter store.
    /// </summary>
    public void Requeue(DateTimeOffset now, TimeSpan retryWindow)
    {
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAt = now;
        RetryUntil = now + retryWindow;
        DeadAt = null;
    }
}

/// <summary>Where a delivery stands.</summary>
public enum WebhookDeliveryStatus
{
    Pending,
    Sent,
    Dead,
}

/// <summary>A message a consumer has handled, recorded in the same transaction as its effect (idempotency on message id).</summary>
public sealed class ProcessedMessage : ITenantOwned
{
    public required string Consumer { get; set; }

    public Guid MessageId { get; set; }

    public Guid TenantId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}
