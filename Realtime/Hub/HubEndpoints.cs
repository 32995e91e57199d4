using System.Net.WebSockets;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OmniChat.Core.Events;
using StackExchange.Redis;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// The hub's three socket routes. Everything that can be checked is checked before the upgrade (a refused handshake is
/// an HTTP problem+json answer); caps are enforced after it with close code 1008, as browsers cannot read a refused
/// handshake's status. Visitor sockets are normally accepted earlier, by <see cref="ConnectionHandshake"/> (ADR 0014);
/// these endpoints answer whatever it hands on, with the same checks (<see cref="HubHandshakes"/>).
/// </summary>
internal static partial class HubEndpoints
{
    // Log fields follow the platform's snake_case contract (tenant_id), as in the Api. A defined scope holds the id in one
    // small object for the socket's lifetime, where a dictionary per socket cost half a kilobyte (bench scenario 5).
#pragma warning disable CA1727
    private static readonly Func<ILogger, Guid, IDisposable?> TenantScope = LoggerMessage.DefineScope<Guid>("tenant_id={tenant_id}");
#pragma warning restore CA1727

    public static IEndpointRouteBuilder MapHubEndpoints(this IEndpointRouteBuilder app)
    {
        app.Map("/ws", V1Async);
        app.Map("/v2/ws", V2Async);
        app.Map("/v2/agents/ws", AgentAsync);
        return app;
    }

    /// <summary><c>/ws?conversationId=&amp;token=</c>: widget v1, the <c>default</c> tenant, conversation token in the query string.</summary>
    private static async Task V1Async(HttpContext http, HubHandshakes handshakes, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, Refusal.WebSocketRequired, hub);
            return;
        }
        var request = http.Request;
        await AcceptOrRefuseAsync(http, hub, await handshakes.CheckV1Async(request.Query["token"].ToString(), request.Query["conversationId"].ToString(),
            request.Headers.Origin.ToString(), request.Host.Value, http.RequestAborted));
    }

    /// <summary><c>/v2/ws?ticket=[&amp;afterSeq=N]</c>: widget v2, any tenant, single-use ticket from <c>POST /v2/widget/ws-ticket</c>.</summary>
    private static async Task V2Async(HttpContext http, HubHandshakes handshakes, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, Refusal.WebSocketRequired, hub);
            return;
        }
        var request = http.Request;
        var afterSeq = request.Query.TryGetValue("afterSeq", out var raw) ? raw.ToString() : null;
        await AcceptOrRefuseAsync(http, hub, await handshakes.CheckV2Async(request.Query["ticket"].ToString(), afterSeq,
            request.Headers.Origin.ToString(), request.Host.Value, redeem: true, http.RequestAborted));
    }

    /// <summary><c>/v2/agents/ws?ticket=</c>: a tenant-wide agent stream, ticket from <c>POST /v2/realtime/tickets</c>.</summary>
    private static async Task AgentAsync(HttpContext http, HubHandshakes handshakes, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, Refusal.WebSocketRequired, hub);
            return;
        }
        var request = http.Request;
        await AcceptOrRefuseAsync(http, hub, await handshakes.CheckAgentAsync(request.Query["ticket"].ToString(),
            request.Headers.Origin.ToString(), request.Host.Value, http.RequestAborted));
    }

    private static async Task AcceptOrRefuseAsync(HttpContext http, HubServices hub, HandshakeCheck check)
    {
        if (check.Accepted is not { } accepted)
        {
            await RefuseAsync(http, check.Refusal!, hub);
            return;
        }
        // Subscribed before the handshake completes: v1 has no resume, so a client must not miss what is published the
        // moment it is connected. Events that arrive before the socket exists wait in `early`.
        var early = new EarlyEvents();
        IDisposable membership;
        try
        {
            membership = await hub.FanOut.JoinAsync(accepted.TenantId, accepted.ConversationId, early);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (accepted.StreamSlot is { } slot)
            {
                await slot.DisposeAsync();
            }
            await RefuseAsync(http, Refusal.Unavailable, hub);
            return;
        }
        using var joined = membership;
        var options = hub.Options;
        using var webSocket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.PingInterval,
            KeepAliveTimeout = options.PongTimeout,
        });
        await HostAsync(hub, accepted, early, webSocket, http.Connection.RemoteIpAddress, HandshakePath.Http, http.RequestAborted);
    }

    /// <summary>
    /// Runs an accepted socket until it closes, whichever path accepted it: the per-IP and per-conversation caps (close
    /// 1008 over them), the registry that drains it on shutdown, the agent stream's feed subscription and stream slot.
    /// </summary>
    internal static async Task HostAsync(HubServices hub, AcceptedHandshake accepted, EarlyEvents early, WebSocket webSocket,
        System.Net.IPAddress? remoteAddress, string path, CancellationToken aborted)
    {
        var options = hub.Options;
        await using var streamSlot = accepted.StreamSlot;
        hub.Metrics.Accepted(path);
        using var tenantScope = TenantScope(hub.Logger, accepted.TenantId);
        var ip = remoteAddress?.ToString() ?? "unknown";
        using var ipLease = hub.Limits.TryAcquire("ip:" + ip, options.MaxConnectionsPerIp);
        using var conversationLease = accepted.ConversationId is { } id
            ? hub.Limits.TryAcquire("c:" + id.ToString("N"), options.MaxConnectionsPerConversation)
            : null;
        if (ipLease is null || (accepted.ConversationId is not null && conversationLease is null))
        {
            var reason = ipLease is null ? "Too many connections from this address." : "Too many connections to this conversation.";
            hub.Metrics.Refused(ipLease is null ? "ip_cap" : "conversation_cap");
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, aborted);
            return;
        }

        var socket = accepted.Create(webSocket);
        hub.Registry.Add(socket);
        try
        {
            early.Attach(socket);
            if (socket is AgentSocket agent)
            {
                using var feed = hub.Feed.Subscribe(accepted.TenantId, agent.Wake);
                // Events committed between the handshake's head and the subscription are read now, not at the next event.
                agent.Wake();
                await socket.RunAsync();
            }
            else
            {
                await socket.RunAsync();
            }
        }
        finally
        {
            hub.Registry.Remove(socket);
        }
    }

    private static async Task RefuseAsync(HttpContext http, Refusal refusal, HubServices hub)
    {
        hub.Metrics.Refused(refusal.Code);
        LogRefused(hub.Logger, http.Request.Path.Value, refusal.Code);
        await TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: ReasonPhrases.GetReasonPhrase(refusal.Status),
            extensions: new Dictionary<string, object?>
            {
                ["code"] = refusal.Code,
                ["requestId"] = http.Response.Headers["X-Request-Id"].ToString() is { Length: > 0 } requestId ? requestId : http.TraceIdentifier,
            }).ExecuteAsync(http);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a socket on {Path}: {Code}")]
    private static partial void LogRefused(ILogger logger, string? path, string code);
}

/// <summary>Which path accepted a socket (metric tag).</summary>
internal static class HandshakePath
{
    /// <summary>Kestrel's connection middleware (<see cref="ConnectionHandshake"/>).</summary>
    public const string Connection = "connection";

    /// <summary>The ASP.NET Core endpoints.</summary>
    public const string Http = "http";
}

/// <summary>The hub's shared parts, in one service so the handlers stay readable.</summary>
internal sealed class HubServices(RedisFanOut fanOut, ConnectionLimits limits, SocketRegistry registry, RealtimeMetrics metrics,
    TenantEventFeed feed, IOptions<RealtimeOptions> options, ILogger<HubServices> logger)
{
    public TenantEventFeed Feed => feed;

    public RealtimeOptions Options => options.Value;

    public RedisFanOut FanOut => fanOut;

    public ConnectionLimits Limits => limits;

    public SocketRegistry Registry => registry;

    public RealtimeMetrics Metrics => metrics;

    public ILogger Logger => logger;
}
