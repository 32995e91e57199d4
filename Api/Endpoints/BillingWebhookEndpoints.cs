using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Billing;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Where the billing provider delivers its events (docs/billing.md). The signature is checked before the body is read
/// as JSON; a bad or stale one is 400 and nothing is stored. Each event is stored once and applied in its tenant's scope.
/// </summary>
internal static class BillingWebhookEndpoints
{
    /// <summary>Largest event accepted (a provider's events are a few KB).</summary>
    public const int MaxEventBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapBillingWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/billing/webhooks/{provider}", Receive)
            .WithTags("Billing").WithName("BillingWebhook")
            .WithSummary("The billing provider's event delivery (called by the provider, authenticated by Billing-Signature).")
            .WithDescription("Body: `{id, type, created, tenant, data}`. Types acted on: `subscription.created`, `subscription.updated` " +
                             "(`data.plan` becomes the tenant's plan), `subscription.cancelled` (back to the free plan), `payment_failed` " +
                             "(a grace period from `created`, then the tenant is suspended), `payment_succeeded` (ends the grace period, " +
                             "resumes a billing suspension). Other types are stored and ignored. A repeated `id` changes nothing and " +
                             "answers the first outcome with `duplicate: true`.")
            .Accepts<object>("application/json")
            .WithCredential(Credential.BillingSignature)
            .Problems(ProblemCodes.BillingProviderUnknown, ProblemCodes.InvalidJson, ProblemCodes.ValidationFailed, ProblemCodes.Conflict,
                ProblemCodes.PayloadTooLarge);
        return app;
    }

    internal static async Task<Ok<BillingWebhookResponse>> Receive(string provider, HttpContext http, BillingWebhooks billing,
        CancellationToken cancellationToken)
    {
        var body = await RawBody.ReadAsync(http.Request, MaxEventBytes, cancellationToken);
        var receipt = await billing.ReceiveAsync(provider, body, http.Request.Headers[BillingWebhooks.SignatureHeader].ToString(),
            http.TraceIdentifier, cancellationToken);
        return TypedResults.Ok(new BillingWebhookResponse(receipt.EventId, receipt.Outcome.ToString().ToLowerInvariant(), receipt.Duplicate));
    }
}

/// <summary>What receiving the event did.</summary>
/// <param name="Id">The event's id.</param>
/// <param name="Outcome"><c>applied</c> (the tenant changed), <c>superseded</c> (a newer event of its kind was applied already) or <c>ignored</c> (nothing to change, or a type not acted on).</param>
/// <param name="Duplicate">True when this id was received before: nothing changed, <c>outcome</c> is the first delivery's.</param>
public sealed record BillingWebhookResponse(
    string Id,
    [property: Description("applied, superseded or ignored")] string Outcome,
    bool Duplicate);
