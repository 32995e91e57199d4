using OmniChat.Api.Security;
using OmniChat.Core.Errors;
using OmniChat.Core.Events;
using OmniChat.Core.Identity;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using StackExchange.Redis;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// <c>GET /v2/events</c>: the tenant's domain events as Server-Sent Events. Each event's <c>id</c> is a resume cursor;
/// reconnecting with <c>Last-Event-ID</c> continues exactly after it (no gap, no duplicate). New events wake the stream
/// through the tenant's Redis channel, with a one-second poll as a fallback.
/// </summary>
internal static class V2EventEndpoints
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapV2EventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/events", StreamEvents).WithTags("v2 events").RequireScope(ApiScopes.ConversationsRead).WithName("V2Events")
            .WithSummary("Server-Sent Events of the tenant's domain events; resume with Last-Event-ID.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    internal static async Task StreamEvents(HttpContext http, ITenantContext tenants, TenantEventLog log, IConnectionMultiplexer redis,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var tenant = tenants.RequireTenant();
        var cursor = http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : http.Request.Query["lastEventId"].ToString();
        if (cursor.Length == 0)
        {
            cursor = null;
        }
        else if (!TenantEventLog.IsValidCursor(cursor))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["Last-Event-ID"] = ["Not an event id this stream sent."] });
        }

        using var wake = new SemaphoreSlim(0);
        var channel = RedisChannel.Literal(RealtimeChannels.Tenant(tenant.Id));
        var subscriber = redis.GetSubscriber();
        void OnEvent(RedisChannel _, RedisValue __)
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        await subscriber.SubscribeAsync(channel, OnEvent);
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);

            var lastWrite = time.GetUtcNow();
            while (!cancellationToken.IsCancellationRequested)
            {
                var events = await log.ReadAfterAsync(tenant.Id, cursor, 500, cancellationToken);
                foreach (var e in events)
                {
                    await http.Response.WriteAsync($"id: {e.Cursor}\nevent: {e.Type}\ndata: {e.PayloadJson}\n\n", cancellationToken);
                    cursor = e.Cursor;
                }
                if (events.Count > 0)
                {
                    await http.Response.Body.FlushAsync(cancellationToken);
                    lastWrite = time.GetUtcNow();
                    if (events.Count == 500)
                    {
                        continue;
                    }
                }
                else if (time.GetUtcNow() - lastWrite > KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await http.Response.Body.FlushAsync(cancellationToken);
                    lastWrite = time.GetUtcNow();
                }
                await wake.WaitAsync(Poll, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, OnEvent);
        }
    }
}
