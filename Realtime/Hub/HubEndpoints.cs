using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using OmniChat.Core.Events;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using StackExchange.Redis;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// The hub's three socket routes. Everything that can be checked is checked before the upgrade (a refused handshake is
/// an HTTP problem+json answer); caps are enforced after it with close code 1008, as browsers cannot read a refused
/// handshake's status.
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
    private static async Task V1Async(HttpContext http, ConversationTokens tokens, ITenantStore tenants, OriginPolicy origins,
        IOptions<RealtimeOptions> options, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "websocket_required", "This route only accepts WebSocket upgrades.", hub);
            return;
        }
        var claims = await tokens.ValidateAsync(http.Request.Query["token"].ToString());
        var tenant = await tenants.FindByIdentifierAsync(Tenant.DefaultIdentifier, http.RequestAborted);
        if (claims is null || tenant is null || claims.TenantId != tenant.Id
            || !Guid.TryParse(http.Request.Query["conversationId"], out var conversationId) || claims.ConversationId != conversationId)
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "invalid_token", "A valid conversation token for this conversation is required.", hub);
            return;
        }
        if (!await CheckTenantAndOriginAsync(http, tenant, options.Value.AllowedOrigins, origins, hub))
        {
            return;
        }
        await RunAsync(http, options.Value, hub, tenant.Id, conversationId,
            socket => new V1VisitorSocket(socket, options.Value, hub.Metrics, hub.Logger));
    }

    /// <summary><c>/v2/ws?ticket=[&amp;afterSeq=N]</c>: widget v2, any tenant, single-use ticket from <c>POST /v2/widget/ws-ticket</c>.</summary>
    private static async Task V2Async(HttpContext http, RealtimeTickets tickets, ITenantStore tenants, OriginPolicy origins,
        ConversationEventLog log, IRealtimePublisher publisher, TimeProvider time, IOptions<RealtimeOptions> options, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "websocket_required", "This route only accepts WebSocket upgrades.", hub);
            return;
        }
        long? afterSeq = null;
        if (http.Request.Query.TryGetValue("afterSeq", out var rawAfter))
        {
            if (!long.TryParse(rawAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await RefuseAsync(http, StatusCodes.Status400BadRequest, "validation_failed", "afterSeq must be a whole number ≥ 0.", hub);
                return;
            }
            afterSeq = parsed;
        }
        var grant = await tickets.RedeemAsync(http.Request.Query["ticket"]);
        if (grant is not { Kind: RealtimeTicketGrant.Conversation, ConversationId: { } conversationId })
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "invalid_ticket", "The ticket is unknown, expired or already used.", hub);
            return;
        }
        var tenant = await tenants.FindByIdAsync(grant.TenantId, http.RequestAborted);
        if (tenant is null || !await CheckTenantAndOriginAsync(http, tenant, await origins.TenantAllowlistAsync(tenant.Id, http.RequestAborted), origins, hub))
        {
            return;
        }
        await RunAsync(http, options.Value, hub, tenant.Id, conversationId, socket =>
        {
            var visitor = new V2VisitorSocket(socket, tenant.Id, conversationId, log, publisher, time, options.Value, hub.Metrics, hub.Logger);
            if (afterSeq is { } after)
            {
                visitor.Resume(after);
            }
            return visitor;
        });
    }

    /// <summary><c>/v2/agents/ws?ticket=</c>: a tenant-wide agent stream, ticket from <c>POST /v2/realtime/tickets</c>.</summary>
    private static async Task AgentAsync(HttpContext http, RealtimeTickets tickets, ITenantStore tenants, OriginPolicy origins,
        TenantEventLog log, IOptions<RealtimeOptions> options, HubServices hub)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "websocket_required", "This route only accepts WebSocket upgrades.", hub);
            return;
        }
        var grant = await tickets.RedeemAsync(http.Request.Query["ticket"]);
        if (grant is not { Kind: RealtimeTicketGrant.Agent })
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "invalid_ticket", "The ticket is unknown, expired or already used.", hub);
            return;
        }
        var tenant = await tenants.FindByIdAsync(grant.TenantId, http.RequestAborted);
        if (tenant is null || !await CheckTenantAndOriginAsync(http, tenant, await origins.TenantAllowlistAsync(tenant.Id, http.RequestAborted), origins, hub))
        {
            return;
        }
        var head = await log.HeadAsync(tenant.Id, http.RequestAborted);
        await RunAsync(http, options.Value, hub, tenant.Id, null,
            socket => new AgentSocket(socket, tenant.Id, head, log, options.Value, hub.Metrics, hub.Logger));
    }

    private static async Task<bool> CheckTenantAndOriginAsync(HttpContext http, TenantInfo tenant, IReadOnlyCollection<string> allowlist,
        OriginPolicy origins, HubServices hub)
    {
        if (tenant.Status != TenantStatus.Active)
        {
            await RefuseAsync(http, StatusCodes.Status403Forbidden, "tenant_suspended", "The tenant is suspended.", hub);
            return false;
        }
        if (!origins.Allows(http.Request, allowlist))
        {
            await RefuseAsync(http, StatusCodes.Status403Forbidden, "origin_not_allowed", "This Origin may not open sockets for the tenant.", hub);
            return false;
        }
        return true;
    }

    private static async Task RunAsync(HttpContext http, RealtimeOptions options, HubServices hub, Guid tenantId, Guid? conversationId,
        Func<WebSocket, HubSocket> create)
    {
        // Subscribed before the handshake completes: v1 has no resume, so a client must not miss what is published the
        // moment it is connected. Events that arrive before the socket exists wait in `early`.
        var early = new EarlyEvents();
        IDisposable membership;
        try
        {
            membership = await hub.FanOut.JoinAsync(tenantId, conversationId, early);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await RefuseAsync(http, StatusCodes.Status503ServiceUnavailable, "realtime_unavailable", "Live updates are unavailable; try again shortly.", hub);
            return;
        }
        using var joined = membership;
        using var webSocket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.PingInterval,
            KeepAliveTimeout = options.PongTimeout,
        });
        using var tenantScope = TenantScope(hub.Logger, tenantId);
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var ipLease = hub.Limits.TryAcquire("ip:" + ip, options.MaxConnectionsPerIp);
        using var conversationLease = conversationId is { } id ? hub.Limits.TryAcquire("c:" + id.ToString("N"), options.MaxConnectionsPerConversation) : null;
        if (ipLease is null || (conversationId is not null && conversationLease is null))
        {
            var reason = ipLease is null ? "Too many connections from this address." : "Too many connections to this conversation.";
            hub.Metrics.Refused(ipLease is null ? "ip_cap" : "conversation_cap");
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, http.RequestAborted);
            return;
        }

        var socket = create(webSocket);
        hub.Registry.Add(socket);
        try
        {
            early.Attach(socket);
            if (socket is AgentSocket agent)
            {
                using var poll = new PeriodicTimer(options.AgentPollInterval);
                var polling = PollAsync(poll, agent);
                await socket.RunAsync();
                poll.Dispose();
                await polling;
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

    private static async Task PollAsync(PeriodicTimer timer, AgentSocket agent)
    {
        while (await timer.WaitForNextTickAsync())
        {
            agent.Wake();
        }
    }

    private static async Task RefuseAsync(HttpContext http, int status, string code, string detail, HubServices hub)
    {
        hub.Metrics.Refused(code);
        LogRefused(hub.Logger, http.Request.Path.Value, code);
        await TypedResults.Problem(detail, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status), extensions: new Dictionary<string, object?>
        {
            ["code"] = code,
            ["requestId"] = http.Response.Headers["X-Request-Id"].ToString() is { Length: > 0 } requestId ? requestId : http.TraceIdentifier,
        }).ExecuteAsync(http);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a socket on {Path}: {Code}")]
    private static partial void LogRefused(ILogger logger, string? path, string code);
}

/// <summary>The hub's shared parts, in one service so the handlers stay readable.</summary>
internal sealed class HubServices(RedisFanOut fanOut, ConnectionLimits limits, SocketRegistry registry, RealtimeMetrics metrics, ILogger<HubServices> logger)
{
    public RedisFanOut FanOut => fanOut;

    public ConnectionLimits Limits => limits;

    public SocketRegistry Registry => registry;

    public RealtimeMetrics Metrics => metrics;

    public ILogger Logger => logger;
}
