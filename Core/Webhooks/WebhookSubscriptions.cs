using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Webhooks;

/// <summary>A subscription's URL, events and whether it delivers; null keeps a value (or, when creating, means required/default).</summary>
public sealed record WebhookDraft(string? Url, IReadOnlyList<string?>? Events, bool? Enabled);

/// <summary>A new subscription and its signing secret (shown this once).</summary>
public sealed record CreatedWebhook(WebhookSubscription Subscription, string Secret)
{
    public override string ToString() => $"CreatedWebhook {{ Id = {Subscription.Id} }}";
}

/// <summary>A subscription's new secret (shown this once) and until when the previous one still signs.</summary>
public sealed record RotatedWebhookSecret(WebhookSubscription Subscription, string Secret, DateTimeOffset PreviousSecretExpiresAt)
{
    public override string ToString() => $"RotatedWebhookSecret {{ Id = {Subscription.Id} }}";
}

/// <summary>
/// The tenant's outgoing webhook subscriptions, for every surface that manages them (API, portal): creating (URL checked
/// by <see cref="WebhookTargetPolicy"/>, events from <see cref="WebhookEvents.All"/>), changing, deleting, rotating the
/// secret, the delivery log and redelivery. Every change is audited. Runs in the current tenant's scope.
/// </summary>
public sealed class WebhookSubscriptions(OmniChatDbContext db, WebhookTargetPolicy policy, WebhookSigning signing, IOptions<WebhookOptions> options,
    TimeProvider time)
{
    /// <summary>At most this many subscriptions per tenant.</summary>
    public const int MaxSubscriptions = 50;

    /// <summary>Longest overlap of a rotated secret, in minutes (7 days).</summary>
    public const int MaxOverlapMinutes = 7 * 24 * 60;

    /// <summary>How long the previous secret signs alongside the new one when no overlap is given.</summary>
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    /// <summary>Subscribes a URL to events; 400 on a bad URL or events, 409 <c>webhook_limit</c> past <see cref="MaxSubscriptions"/>.</summary>
    public async Task<CreatedWebhook> CreateAsync(WebhookDraft? draft, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new Dictionary<string, string[]>();
        if (await policy.CheckAsync(draft?.Url, cancellationToken) is { } urlProblem)
        {
            errors["url"] = [urlProblem];
        }
        var events = ValidEvents(draft?.Events, errors, required: true);
        ValidationException.ThrowIfAny(errors);
        if (await db.WebhookSubscriptions.CountAsync(cancellationToken) >= MaxSubscriptions)
        {
            throw new ConflictException("webhook_limit", $"A tenant can have at most {MaxSubscriptions} webhook subscriptions.");
        }

        var now = time.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now),
            Url = draft!.Url!,
            Events = events!,
            Enabled = draft.Enabled ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.created", "webhook", subscription.Id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedWebhook(subscription, signing.Secret(subscription.Id, subscription.SecretVersion));
    }

    /// <summary>The tenant's subscriptions, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(CancellationToken cancellationToken) =>
        await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>One subscription; 404 <c>webhook_not_found</c>.</summary>
    public Task<WebhookSubscription> GetAsync(Guid id, CancellationToken cancellationToken) => FindAsync(id, tracked: false, cancellationToken);

    /// <summary>Changes the URL, events or enabled state (a null field keeps its value); audited.</summary>
    public async Task<WebhookSubscription> UpdateAsync(Guid id, WebhookDraft? draft, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var subscription = await FindAsync(id, tracked: true, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        if (draft?.Url is not null && await policy.CheckAsync(draft.Url, cancellationToken) is { } urlProblem)
        {
            errors["url"] = [urlProblem];
        }
        var events = ValidEvents(draft?.Events, errors, required: false);
        ValidationException.ThrowIfAny(errors);

        var now = time.GetUtcNow();
        subscription.Url = draft?.Url ?? subscription.Url;
        subscription.Events = events ?? subscription.Events;
        subscription.Enabled = draft?.Enabled ?? subscription.Enabled;
        subscription.UpdatedAt = now;
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.updated", "webhook", id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return subscription;
    }

    /// <summary>Deletes a subscription and its delivery log; audited.</summary>
    public async Task DeleteAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var subscription = await FindAsync(id, tracked: true, cancellationToken);
        db.WebhookSubscriptions.Remove(subscription);
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.deleted", "webhook", id.ToString(), time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// A new secret version; the previous one keeps signing for <paramref name="overlapMinutes"/> (0 to
    /// <see cref="MaxOverlapMinutes"/>; default <see cref="DefaultOverlap"/>). Audited.
    /// </summary>
    public async Task<RotatedWebhookSecret> RotateSecretAsync(Guid id, int? overlapMinutes, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (overlapMinutes is < 0 or > MaxOverlapMinutes)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["overlapMinutes"] = ["0 to 10080 (7 days)."] });
        }
        var subscription = await FindAsync(id, tracked: true, cancellationToken);
        var now = time.GetUtcNow();
        var overlap = overlapMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : DefaultOverlap;
        subscription.PreviousSecretVersion = subscription.SecretVersion;
        subscription.PreviousSecretExpiresAt = now + overlap;
        subscription.SecretVersion++;
        subscription.UpdatedAt = now;
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.secret_rotated", "webhook", id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return new RotatedWebhookSecret(subscription, signing.Secret(id, subscription.SecretVersion), subscription.PreviousSecretExpiresAt.Value);
    }

    /// <summary>
    /// A subscription's delivery log, newest first: <paramref name="status"/> (<c>pending</c>, <c>sent</c>, <c>dead</c>) filters,
    /// <paramref name="limit"/> is 1–200 (default 50). 404 <c>webhook_not_found</c>; 400 on an unknown status.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(Guid id, string? status, int? limit, CancellationToken cancellationToken)
    {
        await FindAsync(id, tracked: false, cancellationToken);
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        if (status is not null)
        {
            // Parsed before the query: a bad value is a 400, not an error inside query translation.
            var wanted = ParseStatus(status);
            query = query.Where(d => d.Status == wanted);
        }
        var take = Math.Clamp(limit ?? 50, 1, 200);
        return await query.OrderByDescending(d => d.CreatedAt).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>Deliveries that ran out of retries, newest first (<paramref name="limit"/> 1–200, default 50).</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DeadLettersAsync(int? limit, CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit ?? 50, 1, 200);
        return await db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == WebhookDeliveryStatus.Dead)
            .OrderByDescending(d => d.DeadAt).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>Sends a delivery (sent or dead) again now, with a fresh retry window; 404 <c>delivery_not_found</c>. Audited.</summary>
    public async Task<WebhookDelivery> RedeliverAsync(Guid id, Guid deliveryId, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken)
            ?? throw new NotFoundException("delivery_not_found", "The delivery does not exist.");
        var now = time.GetUtcNow();
        delivery.Requeue(now, options.Value.RetryWindow);
        db.AuditEntries.Add(AuditEntry.Create(actor, "webhook.redelivered", "webhook_delivery", deliveryId.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return delivery;
    }

    private async Task<WebhookSubscription> FindAsync(Guid id, bool tracked, CancellationToken cancellationToken)
    {
        var query = tracked ? db.WebhookSubscriptions : db.WebhookSubscriptions.AsNoTracking();
        return await query.SingleOrDefaultAsync(s => s.Id == id, cancellationToken)
            ?? throw new NotFoundException("webhook_not_found", "The webhook subscription does not exist.");
    }

    private static List<string>? ValidEvents(IReadOnlyList<string?>? events, Dictionary<string, string[]> errors, bool required)
    {
        if (events is null)
        {
            if (required)
            {
                errors["events"] = [$"Required: one or more of {string.Join(", ", WebhookEvents.All)}."];
            }
            return null;
        }
        if (events.Count == 0 || events.Any(e => e is null || !WebhookEvents.All.Contains(e)))
        {
            errors["events"] = [$"One or more of {string.Join(", ", WebhookEvents.All)}."];
            return null;
        }
        return [.. events.OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    private static WebhookDeliveryStatus ParseStatus(string status) =>
        Enum.TryParse<WebhookDeliveryStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new ValidationException(new Dictionary<string, string[]> { ["status"] = ["pending, sent or dead."] });
}
