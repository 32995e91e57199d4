using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Workers.Telegram.Delivery;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Webhooks;

namespace OmniChat.Workers.Operator;

/// <summary>
/// The platform operator's dead-letter store, across tenants (the Workers hold the system role; the Api does not):
/// <c>GET /v2/operator/dead-letters</c>, <c>GET /v2/operator/dead-letters/{id}</c> (with the body that was sent) and
/// <c>POST /v2/operator/dead-letters/{id}/replay</c>. Authenticated with the operator token (<c>Security__OperatorToken</c>),
/// never the service token, which is the <c>default</c> tenant's credential; every replay is audited in the delivery's tenant.
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
    private static async Task<Ok<OperatorTelegramDeadLetterList>> ListTelegram(Guid? tenantId, int? limit, SystemDbContextFactory factory,
        CancellationToken cancellationToken)
    {
        await using var db = factory.Create("operator: list Telegram dead letters");
        var query = db.TelegramDeliveries.AsNoTracking().Where(d => d.Status == TelegramDeliveryStatus.Dead);
        if (tenantId is { } tenant)
        {
            query = query.Where(d => d.TenantId == tenant);
        }
        var dead = await query.OrderByDescending(d => d.CreatedAt).Take(Math.Clamp(limit ?? 100, 1, 500)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new OperatorTelegramDeadLetterList([.. dead.Select(OperatorTelegramDeadLetter.From)]));
    }

    /// <summary>Sends a dead Telegram delivery again, in its conversation's order, with a fresh retry budget; audited.</summary>
    private static async Task<Results<Accepted<OperatorTelegramDeadLetter>, ProblemHttpResult>> ReplayTelegram(Guid id, HttpContext http,
        SystemDbContextFactory factory, TelegramDeliverySignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = factory.Create("operator: replay a Telegram dead letter");
        var delivery = await db.TelegramDeliveries.SingleOrDefaultAsync(d => d.Id == id && d.Status == TelegramDeliveryStatus.Dead, cancellationToken);
        if (delivery is null)
        {
            return NotFound();
        }
        var now = time.GetUtcNow();
        delivery.Status = TelegramDeliveryStatus.Pending;
        delivery.NextAttemptAt = now;
        db.AuditEntries.Add(new AuditEntry
        {
            Id = Guid.CreateVersion7(now),
            TenantId = delivery.TenantId,
            Actor = "operator",
            ActorType = AuditActor.OperatorType,
            Action = "telegram.delivery_replayed_by_operator",
            TargetType = "telegram_delivery",
            TargetId = id.ToString(),
            RequestId = http.TraceIdentifier,
            OccurredAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return TypedResults.Accepted($"/v2/operator/telegram/dead-letters/{id}", OperatorTelegramDeadLetter.From(delivery));
    }

    private static async Task<Ok<OperatorDeadLetterList>> List(Guid? tenantId, int? limit, SystemDbContextFactory factory, CancellationToken cancellationToken)
    {
        await using var db = factory.Create("operator: list webhook dead letters");
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == WebhookDeliveryStatus.Dead);
        if (tenantId is { } tenant)
        {
            query = query.Where(d => d.TenantId == tenant);
        }
        var dead = await query.OrderByDescending(d => d.DeadAt).Take(Math.Clamp(limit ?? 100, 1, 500)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new OperatorDeadLetterList([.. dead.Select(d => OperatorDeadLetter.From(d, includeBody: false))]));
    }

    private static async Task<Results<Ok<OperatorDeadLetter>, ProblemHttpResult>> Inspect(Guid id, SystemDbContextFactory factory,
        CancellationToken cancellationToken)
    {
        await using var db = factory.Create("operator: inspect a webhook dead letter");
        var delivery = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.Status == WebhookDeliveryStatus.Dead,
            cancellationToken);
        return delivery is null ? NotFound() : TypedResults.Ok(OperatorDeadLetter.From(delivery, includeBody: true));
    }

    private static async Task<Results<Accepted<OperatorDeadLetter>, ProblemHttpResult>> Replay(Guid id, HttpContext http, SystemDbContextFactory factory,
        IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = factory.Create("operator: replay a webhook dead letter");
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == id && d.Status == WebhookDeliveryStatus.Dead, cancellationToken);
        if (delivery is null)
        {
            return NotFound();
        }
        var now = time.GetUtcNow();
        delivery.Status = WebhookDeliveryStatus.Pending;
        delivery.NextAttemptAt = now;
        delivery.RetryUntil = now + options.Value.RetryWindow;
        delivery.DeadAt = null;
        db.AuditEntries.Add(new AuditEntry
        {
            Id = Guid.CreateVersion7(now),
            TenantId = delivery.TenantId,
            Actor = "operator",
            ActorType = AuditActor.OperatorType,
            Action = "webhook.replayed_by_operator",
            TargetType = "webhook_delivery",
            TargetId = id.ToString(),
            RequestId = http.TraceIdentifier,
            OccurredAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/v2/operator/dead-letters/{id}", OperatorDeadLetter.From(delivery, includeBody: false));
    }

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

/// <summary>A dead delivery as the operator sees it.</summary>
internal sealed record OperatorDeadLetter(Guid Id, Guid TenantId, Guid SubscriptionId, Guid EventId, string EventType, Guid ConversationId,
    string Status, int Attempts, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeadAt, string? Body)
{
    public static OperatorDeadLetter From(WebhookDelivery d, bool includeBody) => new(d.Id, d.TenantId, d.SubscriptionId, d.EventId, d.EventType,
        d.PartitionKey, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastStatusCode, d.LastError, d.CreatedAt, d.DeadAt,
        includeBody ? d.Payload : null);
}

internal sealed record OperatorDeadLetterList(IReadOnlyList<OperatorDeadLetter> DeadLetters);

/// <summary>A dead Telegram delivery as the operator sees it (what kind, where to, why; not the message itself).</summary>
internal sealed record OperatorTelegramDeadLetter(Guid Id, Guid TenantId, Guid ConversationId, Guid EventId, Guid? MessageId, string Kind,
    string Target, string Status, int Attempts, string? LastError, DateTimeOffset CreatedAt)
{
    public static OperatorTelegramDeadLetter From(TelegramDelivery d) => new(d.Id, d.TenantId, d.ConversationId, d.EventId, d.MessageId, d.Kind,
        "telegram_" + d.Target, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastError, d.CreatedAt);
}

internal sealed record OperatorTelegramDeadLetterList(IReadOnlyList<OperatorTelegramDeadLetter> DeadLetters);
