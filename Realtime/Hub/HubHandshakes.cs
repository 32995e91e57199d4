using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Events;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Realtime.Hub;

/// <summary>A refused handshake: the HTTP status and stable code of its problem+json answer.</summary>
internal sealed record Refusal(int Status, string Code, string Detail)
{
    public static readonly Refusal WebSocketRequired = new(StatusCodes.Status400BadRequest, "websocket_required", "This route only accepts WebSocket upgrades.");

    public static readonly Refusal InvalidAfterSeq = new(StatusCodes.Status400BadRequest, "validation_failed", "afterSeq must be a whole number ≥ 0.");

    public static readonly Refusal InvalidToken = new(StatusCodes.Status401Unauthorized, "invalid_token", "A valid conversation token for this conversation is required.");

    public static readonly Refusal InvalidTicket = new(StatusCodes.Status401Unauthorized, "invalid_ticket", "The ticket is unknown, expired or already used.");

    public static readonly Refusal TenantSuspended = new(StatusCodes.Status403Forbidden, "tenant_suspended", "The tenant is suspended.");

    public static readonly Refusal OriginNotAllowed = new(StatusCodes.Status403Forbidden, "origin_not_allowed", "This Origin may not open sockets for the tenant.");

    public static readonly Refusal TooManyStreams = new(StatusCodes.Status429TooManyRequests, "too_many_streams", "Too many open event streams.");

    public static readonly Refusal Unavailable = new(StatusCodes.Status503ServiceUnavailable, "realtime_unavailable", "Live updates are unavailable; try again shortly.");
}

/// <summary>
/// A handshake that passed its checks: whose socket it is and how to build it once accepted. <see cref="Ticket"/> is set
/// when the ticket was only looked at and must still be redeemed before the upgrade.
/// </summary>
internal sealed record AcceptedHandshake(Guid TenantId, Guid? ConversationId, Func<WebSocket, HubSocket> Create)
{
    public string? Ticket { get; init; }

    /// <summary>The capped stream slot an agent stream holds while it lives (<see cref="EventStreamSlots"/>); its host releases it.</summary>
    public IAsyncDisposable? StreamSlot { get; init; }
}

/// <summary>The outcome of checking a handshake: accepted, or refused.</summary>
internal readonly record struct HandshakeCheck(AcceptedHandshake? Accepted, Refusal? Refusal)
{
    public static implicit operator HandshakeCheck(AcceptedHandshake accepted) => new(accepted, null);

    public static implicit operator HandshakeCheck(Refusal refusal) => new(null, refusal);
}

/// <summary>
/// The checks of the socket routes, shared by the ASP.NET Core endpoints and the connection-level handshake: the same
/// input gives the same verdict on either path. Nothing here writes to the connection.
/// </summary>
internal sealed class HubHandshakes(ConversationTokens tokens, RealtimeTickets tickets, ITenantStore tenants, OriginPolicy origins,
    ConversationEventLog conversationLog, TenantEventLog tenantLog, TenantEventFeed feed, EventStreamSlots slots, IRealtimePublisher publisher, TimeProvider time,
    IOptions<RealtimeOptions> options, HubServices hub)
{
    /// <summary><c>/ws</c>: a conversation token of the <c>default</c> tenant for <paramref name="conversationId"/>.</summary>
    public async Task<HandshakeCheck> CheckV1Async(string? token, string? conversationId, string origin, string? host, CancellationToken cancellationToken)
    {
        var claims = await tokens.ValidateAsync(token ?? "");
        var tenant = await tenants.FindByIdentifierAsync(Tenant.DefaultIdentifier, cancellationToken);
        if (claims is null || tenant is null || claims.TenantId != tenant.Id
            || !Guid.TryParse(conversationId, out var id) || claims.ConversationId != id)
        {
            return Refusal.InvalidToken;
        }
        if (CheckTenantAndOrigin(tenant, options.Value.AllowedOrigins, origin, host) is { } refusal)
        {
            return refusal;
        }
        var settings = options.Value;
        return new AcceptedHandshake(tenant.Id, id, socket => new V1VisitorSocket(socket, settings, hub.Metrics, hub.Logger));
    }

    /// <summary>
    /// <c>/v2/ws</c>: a single-use conversation ticket, and <paramref name="afterSeq"/> (null when absent). With
    /// <paramref name="redeem"/> false the ticket is only looked at, and the caller redeems it before accepting.
    /// </summary>
    public async Task<HandshakeCheck> CheckV2Async(string? ticket, string? afterSeq, string origin, string? host, bool redeem,
        CancellationToken cancellationToken)
    {
        long? resumeAfter = null;
        if (afterSeq is not null)
        {
            if (!long.TryParse(afterSeq, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Refusal.InvalidAfterSeq;
            }
            resumeAfter = parsed;
        }
        var grant = redeem ? await tickets.RedeemAsync(ticket) : await tickets.PeekAsync(ticket);
        if (grant is not { Kind: RealtimeTicketGrant.Conversation, ConversationId: { } conversationId })
        {
            return Refusal.InvalidTicket;
        }
        var (tenant, refusal) = await TicketTenantAsync(grant, origin, host, cancellationToken);
        if (tenant is null)
        {
            return refusal!;
        }
        var settings = options.Value;
        return new AcceptedHandshake(tenant.Id, conversationId, socket =>
        {
            var visitor = new V2VisitorSocket(socket, tenant.Id, conversationId, conversationLog, publisher, time, settings, hub.Metrics, hub.Logger);
            if (resumeAfter is { } after)
            {
                visitor.Resume(after);
            }
            return visitor;
        })
        {
            Ticket = redeem ? null : ticket,
        };
    }

    /// <summary>
    /// <c>/v2/agents/ws</c>: a single-use agent ticket, redeemed here once every check has passed and the stream has its
    /// slot (a refusal takes nothing: the same ticket gets the same answer).
    /// </summary>
    public async Task<HandshakeCheck> CheckAgentAsync(string? ticket, string origin, string? host, CancellationToken cancellationToken)
    {
        var grant = await tickets.PeekAsync(ticket);
        if (grant is not { Kind: RealtimeTicketGrant.Agent })
        {
            return Refusal.InvalidTicket;
        }
        var (tenant, refusal) = await TicketTenantAsync(grant, origin, host, cancellationToken);
        if (tenant is null)
        {
            return refusal!;
        }
        // The ticket's subject is the actor that asked for it: the per-key cap counts an API key's agent streams with its SSE streams.
        var (slot, full) = await slots.TryAcquireAsync(tenant.Id, AuditActor.ApiKeyIdOf(grant.Subject)?.ToString("N"));
        if (slot is null)
        {
            return Refusal.TooManyStreams with { Detail = slots.Describe(full!.Value) };
        }
        long head;
        try
        {
            if (await tickets.RedeemAsync(ticket) is not { Kind: RealtimeTicketGrant.Agent } redeemed || redeemed.TenantId != tenant.Id)
            {
                await slot.DisposeAsync();
                return Refusal.InvalidTicket;
            }
            head = await tenantLog.HeadAsync(tenant.Id, cancellationToken);
        }
        catch
        {
            await slot.DisposeAsync();
            throw;
        }
        var settings = options.Value;
        return new AcceptedHandshake(tenant.Id, null, socket => new AgentSocket(socket, tenant.Id, head, feed, tenantLog, settings, hub.Metrics, hub.Logger))
        {
            StreamSlot = slot,
        };
    }

    /// <summary>Redeems the ticket a <see cref="CheckV2Async"/> without redeeming looked at; false when it is gone meanwhile.</summary>
    public async Task<bool> RedeemAsync(AcceptedHandshake accepted)
    {
        if (accepted.Ticket is null)
        {
            return true;
        }
        var grant = await tickets.RedeemAsync(accepted.Ticket);
        return grant is { Kind: RealtimeTicketGrant.Conversation } && grant.TenantId == accepted.TenantId && grant.ConversationId == accepted.ConversationId;
    }

    /// <summary>The tenant a ticket was issued for, if it still exists, is active and accepts this Origin.</summary>
    private async Task<(TenantInfo? Tenant, Refusal? Refusal)> TicketTenantAsync(RealtimeTicketGrant grant, string origin, string? host,
        CancellationToken cancellationToken)
    {
        var tenant = await tenants.FindByIdAsync(grant.TenantId, cancellationToken);
        if (tenant is null)
        {
            return (null, Refusal.InvalidTicket);
        }
        var refusal = CheckTenantAndOrigin(tenant, await origins.TenantAllowlistAsync(tenant.Id, cancellationToken), origin, host);
        return refusal is null ? (tenant, null) : (null, refusal);
    }

    private Refusal? CheckTenantAndOrigin(TenantInfo tenant, IReadOnlyCollection<string> allowlist, string origin, string? host) =>
        tenant.Status != TenantStatus.Active ? Refusal.TenantSuspended
        : !origins.Allows(origin, host, allowlist) ? Refusal.OriginNotAllowed
        : null;
}
