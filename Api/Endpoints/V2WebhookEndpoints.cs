using System.ComponentModel;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Webhooks;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Outgoing webhooks of the tenant (scope <c>webhooks:write</c>): subscriptions, their delivery log, redelivery, the
/// dead-letter store and secret rotation. A secret is shown at creation and rotation only (docs/webhooks.md).
/// </summary>
internal static class V2WebhookEndpoints
{
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

    internal static async Task<Created<CreatedWebhookResponse>> Create(CreateWebhookRequest? request, HttpContext http, WebhookSubscriptions webhooks,
        CancellationToken cancellationToken)
    {
        var created = await webhooks.CreateAsync(request is null ? null : new WebhookDraft(request.Url, request.Events, request.Enabled),
            AuditActors.From(http), cancellationToken);
        var shown = WebhookResponse.From(created.Subscription);
        return TypedResults.Created($"/v2/webhooks/{shown.Id}", new CreatedWebhookResponse(shown.Id, shown.Url, shown.Events, shown.Enabled,
            shown.CreatedAt, created.Secret));
    }

    internal static async Task<Ok<WebhookListResponse>> List(WebhookSubscriptions webhooks, CancellationToken cancellationToken) =>
        TypedResults.Ok(new WebhookListResponse([.. (await webhooks.ListAsync(cancellationToken)).Select(WebhookResponse.From)]));

    internal static async Task<Ok<WebhookResponse>> Get(Guid id, WebhookSubscriptions webhooks, CancellationToken cancellationToken) =>
        TypedResults.Ok(WebhookResponse.From(await webhooks.GetAsync(id, cancellationToken)));

    internal static async Task<Ok<WebhookResponse>> Update(Guid id, UpdateWebhookRequest? request, HttpContext http, WebhookSubscriptions webhooks,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(WebhookResponse.From(await webhooks.UpdateAsync(id,
            request is null ? null : new WebhookDraft(request.Url, request.Events, request.Enabled), AuditActors.From(http), cancellationToken)));

    internal static async Task<NoContent> Delete(Guid id, HttpContext http, WebhookSubscriptions webhooks, CancellationToken cancellationToken)
    {
        await webhooks.DeleteAsync(id, AuditActors.From(http), cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<RotatedSecretResponse>> RotateSecret(Guid id, RotateSecretRequest? request, HttpContext http,
        WebhookSubscriptions webhooks, CancellationToken cancellationToken)
    {
        var rotated = await webhooks.RotateSecretAsync(id, request?.OverlapMinutes, AuditActors.From(http), cancellationToken);
        return TypedResults.Ok(new RotatedSecretResponse(rotated.Secret, rotated.PreviousSecretExpiresAt));
    }

    internal static async Task<Ok<DeliveryListResponse>> Deliveries(Guid id, string? status, int? limit, WebhookSubscriptions webhooks,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new DeliveryListResponse([.. (await webhooks.DeliveriesAsync(id, status, limit, cancellationToken)).Select(DeliveryResponse.From)]));

    internal static async Task<Ok<DeliveryListResponse>> DeadLetters(int? limit, WebhookSubscriptions webhooks, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DeliveryListResponse([.. (await webhooks.DeadLettersAsync(limit, cancellationToken)).Select(DeliveryResponse.From)]));

    internal static async Task<Accepted<DeliveryResponse>> Redeliver(Guid id, Guid deliveryId, HttpContext http, WebhookSubscriptions webhooks,
        CancellationToken cancellationToken) =>
        TypedResults.Accepted($"/v2/webhooks/{id}/deliveries",
            DeliveryResponse.From(await webhooks.RedeliverAsync(id, deliveryId, AuditActors.From(http), cancellationToken)));
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
