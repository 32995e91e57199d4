using System.ComponentModel;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Webhooks;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Outgoing webhooks of the tenant (scope <c>webhooks:write</c>): subscriptions, their delivery log, redelivery, the
/// dead-letter store and secret rotation. A secret is shown at creation and rotation only (docs/webhooks.md).
/// </summary>
internal static class V2WebhookEndpoints
{
    private const int MaxSubscriptions = 50;
    private static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapV2WebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/webhooks").WithTags("v2 webhooks").RequireScope(ApiScopes.WebhooksWrite);
        group.MapPost("/", Create).WithName("V2CreateWebhook").WithSummary("Subscribe a URL to events; the signing secret is in the answer once.")
            .Problems(ProblemCodes.WebhookLimit);
        group.MapGet("/", List).WithName("V2ListWebhooks").WithSummary("The tenant's subscriptions (no secrets).");
        group.MapGet("/dead-letters", DeadLetters).WithName("V2WebhookDeadLetters")
            .WithSummary("Deliveries that ran out of retries, newest first; redeliver one to replay it.");
        group.MapGet("/{id:guid}", Get).WithName("V2GetWebhook").WithSummary("One subscription.").Problems(ProblemCodes.WebhookNotFound);
        group.MapPatch("/{id:guid}", Update).WithName("V2UpdateWebhook").WithSummary("Change the URL or events, or enable/disable.").Problems(ProblemCodes.WebhookNotFound);
        group.MapDelete("/{id:guid}", Delete).WithName("V2DeleteWebhook").WithSummary("Delete a subscription and its delivery log.").Problems(ProblemCodes.WebhookNotFound);
        group.MapPost("/{id:guid}/rotate-secret", RotateSecret).WithName("V2RotateWebhookSecret")
            .WithSummary("A new secret (shown once); the old one keeps signing alongside it until overlapMinutes pass (default 24 h).")
            .Problems(ProblemCodes.WebhookNotFound);
        group.MapGet("/{id:guid}/deliveries", Deliveries).WithName("V2WebhookDeliveries").WithSummary("The delivery log, newest first.").Problems(ProblemCodes.WebhookNotFound);
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("V2RedeliverWebhook")
            .WithSummary("Send a delivery again now (sent or dead), with a fresh retry window.")
            .Problems(ProblemCodes.DeliveryNotFound);
        return app;
    }

    internal static async Task<Created<CreatedWebhookResponse>> Create(CreateWebhookRequest? request, HttpContext http, OmniChatDbContext db,
        WebhookTargetPolicy policy, WebhookSigning signing, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (await policy.CheckAsync(request?.Url, cancellationToken) is { } urlProblem)
        {
            errors["url"] = [urlProblem];
        }
        var events = ValidEvents(request?.Events, errors, required: true);
        ValidationException.ThrowIfAny(errors);
        if (await db.WebhookSubscriptions.CountAsync(cancellationToken) >= MaxSubscriptions)
        {
            throw new ConflictException("webhook_limit", $"A tenant can have at most {MaxSubscriptions} webhook subscriptions.");
        }

        var now = time.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now),
            Url = request!.Url!,
            Events = events!,
            Enabled = request.Enabled ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        db.AuditEntries.Add(AuditActors.Entry(http, "webhook.created", "webhook", subscription.Id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        var shown = WebhookResponse.From(subscription);
        return TypedResults.Created($"/v2/webhooks/{subscription.Id}", new CreatedWebhookResponse(shown.Id, shown.Url, shown.Events, shown.Enabled,
            shown.CreatedAt, signing.Secret(subscription.Id, subscription.SecretVersion)));
    }

    internal static async Task<Ok<WebhookListResponse>> List(OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(new WebhookListResponse([.. subscriptions.Select(WebhookResponse.From)]));
    }

    internal static async Task<Ok<WebhookResponse>> Get(Guid id, OmniChatDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(WebhookResponse.From(await FindAsync(db, id, cancellationToken)));

    internal static async Task<Ok<WebhookResponse>> Update(Guid id, UpdateWebhookRequest? request, HttpContext http, OmniChatDbContext db,
        WebhookTargetPolicy policy, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, id, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        if (request?.Url is not null && await policy.CheckAsync(request.Url, cancellationToken) is { } urlProblem)
        {
            errors["url"] = [urlProblem];
        }
        var events = ValidEvents(request?.Events, errors, required: false);
        ValidationException.ThrowIfAny(errors);

        var now = time.GetUtcNow();
        subscription.Url = request?.Url ?? subscription.Url;
        subscription.Events = events ?? subscription.Events;
        subscription.Enabled = request?.Enabled ?? subscription.Enabled;
        subscription.UpdatedAt = now;
        db.AuditEntries.Add(AuditActors.Entry(http, "webhook.updated", "webhook", id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WebhookResponse.From(subscription));
    }

    internal static async Task<NoContent> Delete(Guid id, HttpContext http, OmniChatDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, id, cancellationToken);
        db.WebhookSubscriptions.Remove(subscription);
        db.AuditEntries.Add(AuditActors.Entry(http, "webhook.deleted", "webhook", id.ToString(), time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<RotatedSecretResponse>> RotateSecret(Guid id, RotateSecretRequest? request, HttpContext http, OmniChatDbContext db,
        WebhookSigning signing, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request?.OverlapMinutes is < 0 or > 7 * 24 * 60)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["overlapMinutes"] = ["0 to 10080 (7 days)."] });
        }
        var subscription = await FindAsync(db, id, cancellationToken);
        var now = time.GetUtcNow();
        var overlap = request?.OverlapMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : DefaultOverlap;
        subscription.PreviousSecretVersion = subscription.SecretVersion;
        subscription.PreviousSecretExpiresAt = now + overlap;
        subscription.SecretVersion++;
        subscription.UpdatedAt = now;
        db.AuditEntries.Add(AuditActors.Entry(http, "webhook.secret_rotated", "webhook", id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new RotatedSecretResponse(signing.Secret(id, subscription.SecretVersion), subscription.PreviousSecretExpiresAt.Value));
    }

    internal static async Task<Ok<DeliveryListResponse>> Deliveries(Guid id, string? status, int? limit, OmniChatDbContext db,
        CancellationToken cancellationToken)
    {
        await FindAsync(db, id, cancellationToken);
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        if (status is not null)
        {
            // Parsed before the query: a bad value is a 400, not an error inside query translation.
            var wanted = ParseStatus(status);
            query = query.Where(d => d.Status == wanted);
        }
        var take = Math.Clamp(limit ?? 50, 1, 200);
        var deliveries = await query.OrderByDescending(d => d.CreatedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DeliveryListResponse([.. deliveries.Select(DeliveryResponse.From)]));
    }

    internal static async Task<Ok<DeliveryListResponse>> DeadLetters(int? limit, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit ?? 50, 1, 200);
        var dead = await db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == WebhookDeliveryStatus.Dead)
            .OrderByDescending(d => d.DeadAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DeliveryListResponse([.. dead.Select(DeliveryResponse.From)]));
    }

    internal static async Task<Accepted<DeliveryResponse>> Redeliver(Guid id, Guid deliveryId, HttpContext http, OmniChatDbContext db,
        Microsoft.Extensions.Options.IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken)
            ?? throw new NotFoundException("delivery_not_found", "The delivery does not exist.");
        var now = time.GetUtcNow();
        delivery.Status = WebhookDeliveryStatus.Pending;
        delivery.NextAttemptAt = now;
        delivery.RetryUntil = now + options.Value.RetryWindow;
        delivery.DeadAt = null;
        db.AuditEntries.Add(AuditActors.Entry(http, "webhook.redelivered", "webhook_delivery", deliveryId.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/v2/webhooks/{id}/deliveries", DeliveryResponse.From(delivery));
    }

    private static async Task<WebhookSubscription> FindAsync(OmniChatDbContext db, Guid id, CancellationToken cancellationToken) =>
        await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken)
        ?? throw new NotFoundException("webhook_not_found", "The webhook subscription does not exist.");

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

/// <summary>Subscribe a URL to events.</summary>
internal sealed record CreateWebhookRequest(
    [property: Required, Description("The URL OmniChat POSTs the events to.")] string? Url,
    [property: Required, Description("One or more event types: the names of the document's `webhooks`.")]
    IReadOnlyList<string?>? Events,
    [property: Description("Whether deliveries start at once (default true).")] bool? Enabled);

/// <summary>Change a subscription: every field is optional, and a field left out (or null) keeps its value.</summary>
internal sealed record UpdateWebhookRequest(
    [property: Description("A new URL; left out: unchanged.")] string? Url,
    [property: Description("A new, non-empty list of event types; left out: unchanged.")] IReadOnlyList<string?>? Events,
    [property: Description("Enable or disable deliveries; left out: unchanged.")] bool? Enabled);

/// <summary>Rotate a subscription's secret.</summary>
internal sealed record RotateSecretRequest(int? OverlapMinutes);

/// <summary>A subscription as the API shows it (never its secret).</summary>
internal sealed record WebhookResponse(Guid Id, string Url, IReadOnlyList<string> Events, bool Enabled, DateTimeOffset CreatedAt)
{
    public static WebhookResponse From(WebhookSubscription s) => new(s.Id, s.Url, s.Events, s.Enabled, s.CreatedAt);
}

/// <summary>A new subscription, with its secret (shown this once).</summary>
internal sealed record CreatedWebhookResponse(Guid Id, string Url, IReadOnlyList<string> Events, bool Enabled, DateTimeOffset CreatedAt, string Secret);

internal sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Webhooks);

/// <summary>The new secret (shown this once) and until when the previous one still signs.</summary>
internal sealed record RotatedSecretResponse(string Secret, DateTimeOffset PreviousSecretExpiresAt);

/// <summary>One delivery record.</summary>
internal sealed record DeliveryResponse(Guid Id, Guid SubscriptionId, Guid EventId, string EventType, Guid ConversationId, string Status, int Attempts,
    DateTimeOffset NextAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, DateTimeOffset? DeadAt)
{
    public static DeliveryResponse From(WebhookDelivery d) => new(d.Id, d.SubscriptionId, d.EventId, d.EventType, d.PartitionKey, d.Status.ToString().ToLowerInvariant(),
        d.Attempts, d.NextAttemptAt, d.LastStatusCode, d.LastError, d.CreatedAt, d.SentAt, d.DeadAt);
}

internal sealed record DeliveryListResponse(IReadOnlyList<DeliveryResponse> Deliveries);
