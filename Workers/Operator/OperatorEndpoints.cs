using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Platform;
using OmniChat.Core.Security;
using OmniChat.Workers.Telegram.Delivery;

namespace OmniChat.Workers.Operator;

/// <summary>
/// The platform operator's dead-letter store, across tenants (the Workers hold the system role; the Api does not):
/// <c>GET /v2/operator/dead-letters</c>, <c>GET /v2/operator/dead-letters/{id}</c> (with the body that was sent) and
/// <c>POST /v2/operator/dead-letters/{id}/replay</c>. Authenticated with the operator token (<c>Security__OperatorToken</c>),
/// never the service token, which is the <c>default</c> tenant's credential; every replay is audited in the delivery's tenant.
/// The logic is <see cref="DeadLetters"/>, which the operator console uses too.
/// </summary>
internal static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/operator/dead-letters").AddEndpointFilter(RequireOperatorToken);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Inspect);
        group.MapPost("/{id:guid}/replay", Replay);
        var telegram = app.MapGroup("/v2/operator/telegram/dead-letters").AddEndpointFilter(RequireOperatorToken);
        telegram.MapGet("/", ListTelegram);
        telegram.MapPost("/{id:guid}/replay", ReplayTelegram);
        return app;
    }

    /// <summary>Telegram deliveries whose retries ran out (Telegram kept failing), newest first; without message bodies.</summary>
    private static async Task<Ok<OperatorTelegramDeadLetterList>> ListTelegram(Guid? tenantId, int? limit, DeadLetters deadLetters,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new OperatorTelegramDeadLetterList(await deadLetters.ListTelegramAsync(null, tenantId, limit, cancellationToken)));

    /// <summary>Sends a dead Telegram delivery again, in its conversation's order, with a fresh retry budget; audited.</summary>
    private static async Task<Results<Accepted<OperatorTelegramDeadLetter>, ProblemHttpResult>> ReplayTelegram(Guid id, HttpContext http,
        DeadLetters deadLetters, TelegramDeliverySignal signal, CancellationToken cancellationToken)
    {
        var replayed = await deadLetters.ReplayTelegramAsync(null, id, Operator(http), cancellationToken);
        if (replayed is null)
        {
            return NotFound();
        }
        signal.Wake();
        return TypedResults.Accepted($"/v2/operator/telegram/dead-letters/{id}", replayed);
    }

    private static async Task<Ok<OperatorDeadLetterList>> List(Guid? tenantId, int? limit, DeadLetters deadLetters, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OperatorDeadLetterList(await deadLetters.ListWebhooksAsync(null, tenantId, limit, cancellationToken)));

    private static async Task<Results<Ok<OperatorDeadLetter>, ProblemHttpResult>> Inspect(Guid id, DeadLetters deadLetters,
        CancellationToken cancellationToken) =>
        await deadLetters.InspectWebhookAsync(null, id, cancellationToken) is { } delivery ? TypedResults.Ok(delivery) : NotFound();

    private static async Task<Results<Accepted<OperatorDeadLetter>, ProblemHttpResult>> Replay(Guid id, HttpContext http, DeadLetters deadLetters,
        CancellationToken cancellationToken) =>
        await deadLetters.ReplayWebhookAsync(null, id, Operator(http), cancellationToken) is { } replayed
            ? TypedResults.Accepted($"/v2/operator/dead-letters/{id}", replayed)
            : NotFound();

    // The operator token is shared: the actor is "the operator", not a person.
    private static AuditActor Operator(HttpContext http) => new("operator", AuditActor.OperatorType, http.TraceIdentifier);

    private static async ValueTask<object?> RequireOperatorToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presented = BearerToken.From(http.Request.Headers.Authorization.ToString());
        if (!http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.IsOperatorToken(presented))
        {
            return TypedResults.Problem("The operator token is required.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                extensions: new Dictionary<string, object?> { ["code"] = "invalid_operator_token", ["requestId"] = http.TraceIdentifier });
        }
        return await next(context);
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem("No dead letter with this id.", statusCode: StatusCodes.Status404NotFound,
        title: "Not Found", extensions: new Dictionary<string, object?> { ["code"] = "dead_letter_not_found" });
}
