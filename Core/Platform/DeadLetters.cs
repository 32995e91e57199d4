using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Persistence;
using OmniChat.Core.Webhooks;

namespace OmniChat.Core.Platform;

/// <summary>
/// The platform operator's dead-letter store, across tenants: webhook and Telegram deliveries whose retries ran out,
/// listed, inspected and replayed. One implementation for the Workers' operator endpoints and the operator console; every
/// read opens the logged system scope with the operator named in the reason, and every replay is audited in the
/// delivery's tenant.
/// </summary>
public sealed class DeadLetters(SystemDbContextFactory factory, IOptions<WebhookOptions> webhookOptions, TimeProvider time)
{
    /// <summary>The most dead letters one list returns.</summary>
    public const int MaxLimit = 500;

    /// <summary>Dead webhook deliveries, newest first, without their bodies; <paramref name="operatorName"/> goes to the log.</summary>
    public async Task<IReadOnlyList<OperatorDeadLetter>> ListWebhooksAsync(string? operatorName, Guid? tenantId, int? limit,
        CancellationToken cancellationToken)
    {
        await using var db = factory.Create(Reason(operatorName, "list webhook dead letters"));
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == WebhookDeliveryStatus.Dead);
        if (tenantId is { } tenant)
        {
            query = query.Where(d => d.TenantId == tenant);
        }
        var dead = await query.OrderByDescending(d => d.DeadAt).Take(Clamp(limit)).ToListAsync(cancellationToken);
        return [.. dead.Select(d => OperatorDeadLetter.From(d, includeBody: false))];
    }

    /// <summary>One dead webhook delivery with the body that was sent, or null when there is no dead letter with this id.</summary>
    public async Task<OperatorDeadLetter?> InspectWebhookAsync(string? operatorName, Guid id, CancellationToken cancellationToken)
    {
        await using var db = factory.Create(Reason(operatorName, "inspect a webhook dead letter"));
        var delivery = await db.WebhookDeliveries.AsNoTracking()
            .SingleOrDefaultAsync(d => d.Id == id && d.Status == WebhookDeliveryStatus.Dead, cancellationToken);
        return delivery is null ? null : OperatorDeadLetter.From(delivery, includeBody: true);
    }

    /// <summary>
    /// Sends a dead webhook delivery again with a fresh retry window, audited as <paramref name="actor"/>'s
    /// <c>webhook.replayed_by_operator</c>; null when there is no dead letter with this id.
    /// </summary>
    public async Task<OperatorDeadLetter?> ReplayWebhookAsync(string? operatorName, Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = factory.Create(Reason(operatorName, "replay a webhook dead letter"));
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == id && d.Status == WebhookDeliveryStatus.Dead, cancellationToken);
        if (delivery is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        delivery.Requeue(now, webhookOptions.Value.RetryWindow);
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.replayed_by_operator", "webhook_delivery", id.ToString(), now,
            tenantId: delivery.TenantId));
        await db.SaveChangesAsync(cancellationToken);
        return OperatorDeadLetter.From(delivery, includeBody: false);
    }

    /// <summary>Telegram deliveries whose retries ran out, newest first; without message bodies.</summary>
    public async Task<IReadOnlyList<OperatorTelegramDeadLetter>> ListTelegramAsync(string? operatorName, Guid? tenantId, int? limit,
        CancellationToken cancellationToken)
    {
        await using var db = factory.Create(Reason(operatorName, "list Telegram dead letters"));
        var query = db.TelegramDeliveries.AsNoTracking().Where(d => d.Status == TelegramDeliveryStatus.Dead);
        if (tenantId is { } tenant)
        {
            query = query.Where(d => d.TenantId == tenant);
        }
        var dead = await query.OrderByDescending(d => d.CreatedAt).Take(Clamp(limit)).ToListAsync(cancellationToken);
        return [.. dead.Select(OperatorTelegramDeadLetter.From)];
    }

    /// <summary>One dead Telegram delivery (what kind, where to, why), or null when there is no dead letter with this id.</summary>
    public async Task<OperatorTelegramDeadLetter?> InspectTelegramAsync(string? operatorName, Guid id, CancellationToken cancellationToken)
    {
        await using var db = factory.Create(Reason(operatorName, "inspect a Telegram dead letter"));
        var delivery = await db.TelegramDeliveries.AsNoTracking()
            .SingleOrDefaultAsync(d => d.Id == id && d.Status == TelegramDeliveryStatus.Dead, cancellationToken);
        return delivery is null ? null : OperatorTelegramDeadLetter.From(delivery);
    }

    /// <summary>
    /// Sends a dead Telegram delivery again, in its conversation's order, with a fresh retry budget, audited as
    /// <paramref name="actor"/>'s <c>telegram.delivery_replayed_by_operator</c>; null when there is no dead letter with this id.
    /// The sender picks it up on its next poll (the Workers wake theirs at once).
    /// </summary>
    public async Task<OperatorTelegramDeadLetter?> ReplayTelegramAsync(string? operatorName, Guid id, AuditActor actor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = factory.Create(Reason(operatorName, "replay a Telegram dead letter"));
        var delivery = await db.TelegramDeliveries.SingleOrDefaultAsync(d => d.Id == id && d.Status == TelegramDeliveryStatus.Dead, cancellationToken);
        if (delivery is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        delivery.Status = TelegramDeliveryStatus.Pending;
        delivery.NextAttemptAt = now;
        db.AuditEntries.Add(AuditEntry.Create(actor, "telegram.delivery_replayed_by_operator", "telegram_delivery", id.ToString(), now,
            tenantId: delivery.TenantId));
        await db.SaveChangesAsync(cancellationToken);
        return OperatorTelegramDeadLetter.From(delivery);
    }

    /// <summary>
    /// How many webhook and Telegram dead letters there are across tenants, in one statement; for the Workers' periodic
    /// gauges (a routine opening, logged at Debug).
    /// </summary>
    public async Task<DeadLetterCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var db = factory.CreateRoutine("metrics: dead-letter counts");
        // One round trip: both counts as scalar subqueries hung on one row.
        var counts = await db.Tenants.AsNoTracking().Take(1).Select(_ => new DeadLetterCounts(
                db.WebhookDeliveries.Count(d => d.Status == WebhookDeliveryStatus.Dead),
                db.TelegramDeliveries.Count(d => d.Status == TelegramDeliveryStatus.Dead)))
            .SingleOrDefaultAsync(cancellationToken);
        return counts ?? new DeadLetterCounts(0, 0);
    }

    // The Workers' endpoints act for "the operator" (a shared token); the console names the person.
    private static string Reason(string? operatorName, string what) =>
        string.IsNullOrWhiteSpace(operatorName) ? $"operator: {what}" : $"operator {operatorName}: {what}";

    private static int Clamp(int? limit) => Math.Clamp(limit ?? 100, 1, MaxLimit);
}

/// <summary>Dead letters across tenants: webhook deliveries and Telegram deliveries whose retries ran out.</summary>
public sealed record DeadLetterCounts(int Webhooks, int Telegram);

/// <summary>A dead webhook delivery as the operator sees it (<see cref="Body"/> only when inspected).</summary>
public sealed record OperatorDeadLetter(Guid Id, Guid TenantId, Guid SubscriptionId, Guid EventId, string EventType, Guid ConversationId,
    string Status, int Attempts, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeadAt, string? Body)
{
    /// <summary>The operator's view of <paramref name="d"/>.</summary>
    public static OperatorDeadLetter From(WebhookDelivery d, bool includeBody)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.TenantId, d.SubscriptionId, d.EventId, d.EventType, d.PartitionKey, d.Status.ToString().ToLowerInvariant(), d.Attempts,
            d.LastStatusCode, d.LastError, d.CreatedAt, d.DeadAt, includeBody ? d.Payload : null);
    }
}

/// <summary>The webhook dead letters of one list.</summary>
public sealed record OperatorDeadLetterList(IReadOnlyList<OperatorDeadLetter> DeadLetters);

/// <summary>A dead Telegram delivery as the operator sees it (what kind, where to, why; not the message itself).</summary>
public sealed record OperatorTelegramDeadLetter(Guid Id, Guid TenantId, Guid ConversationId, Guid EventId, Guid? MessageId, string Kind,
    string Target, string Status, int Attempts, string? LastError, DateTimeOffset CreatedAt)
{
    /// <summary>The operator's view of <paramref name="d"/>.</summary>
    public static OperatorTelegramDeadLetter From(TelegramDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.TenantId, d.ConversationId, d.EventId, d.MessageId, d.Kind, "telegram_" + d.Target,
            d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastError, d.CreatedAt);
    }
}

/// <summary>The Telegram dead letters of one list.</summary>
public sealed record OperatorTelegramDeadLetterList(IReadOnlyList<OperatorTelegramDeadLetter> DeadLetters);
