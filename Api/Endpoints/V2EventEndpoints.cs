using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core;
using OmniChat.Core.Errors;
using OmniChat.Core.Events;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// <c>GET /v2/events</c>: the tenant's domain events as Server-Sent Events. Each event's <c>id</c> is its stream
/// position; reconnecting with <c>Last-Event-ID</c> continues exactly after it (no gap, no duplicate). The tenant's one
/// reader on this instance (<see cref="TenantEventFeed"/>) wakes the stream; open streams are capped per tenant and per
/// API key (429 <c>too_many_streams</c>).
/// </summary>
internal static class V2EventEndpoints
{
    private const int PageSize = 500;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapV2EventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/events", StreamEvents).WithTags("v2 events").RequireScope(ApiScopes.ConversationsRead).WithName("V2Events")
            .WithSummary("Server-Sent Events of the tenant's domain events; resume with Last-Event-ID.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .Problems(ProblemCodes.ValidationFailed, ProblemCodes.TooManyStreams);
        return app;
    }

    internal static async Task StreamEvents(HttpContext http, ITenantContext tenants, TenantEventLog log, TenantEventFeed feed,
        EventStreamSlots slots, CancellationToken cancellationToken)
    {
        var tenant = tenants.RequireTenant();
        var cursor = http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : http.Request.Query["lastEventId"].ToString();
        var after = 0L;
        if (cursor.Length > 0)
        {
            after = await log.ResolveCursorAsync(tenant.Id, cursor, cancellationToken)
                ?? throw new ValidationException(new Dictionary<string, string[]> { ["Last-Event-ID"] = ["Not an event id this stream sent."] });
        }

        var (slot, refusal) = await slots.TryAcquireAsync(tenant.Id, http.Features.Get<ApiKeyPrincipal>()?.ApiKeyId.ToString("N"));
        if (slot is null)
        {
            throw new DomainException(StatusCodes.Status429TooManyRequests, "too_many_streams", slots.Describe(refusal!.Value));
        }
        await using var heldSlot = slot;
        using var wake = new Wakeup();
        using var subscription = feed.Subscribe(tenant.Id, wake.Wake);
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);

            while (!cancellationToken.IsCancellationRequested)
            {
                var events = await feed.ReadAfterAsync(tenant.Id, after, PageSize, cancellationToken);
                foreach (var e in events)
                {
                    await http.Response.WriteAsync($"id: {e.Cursor}\nevent: {e.Type}\ndata: {e.PayloadJson}\n\n", cancellationToken);
                    after = e.Position;
                }
                if (events.Count > 0)
                {
                    await http.Response.Body.FlushAsync(cancellationToken);
                    if (events.Count == PageSize)
                    {
                        continue;
                    }
                }
                if (!await wake.WaitAsync(KeepAlive, cancellationToken))
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await http.Response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
