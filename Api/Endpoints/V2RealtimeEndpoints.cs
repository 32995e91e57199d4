using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Tickets for the realtime hub (single use, 30 s: a socket URL never carries a long-lived credential), and the tenant's
/// Origin allowlist the hub checks browsers against.
/// </summary>
internal static class V2RealtimeEndpoints
{
    public static IEndpointRouteBuilder MapV2RealtimeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/widget/ws-ticket", IssueWidgetTicket).WithTags("v2 realtime").WithName("V2WidgetWsTicket")
            .WithSummary("A single-use ticket (30 s) for ws://<realtime>/v2/ws?ticket=… (Bearer conversation token).")
            .WithCredential(Credential.ConversationToken);
        app.MapPost("/v2/realtime/tickets", IssueAgentTicket).WithTags("v2 realtime").RequireScope(ApiScopes.ConversationsRead)
            .WithName("V2AgentTicket")
            .WithSummary("A single-use ticket (30 s) for the tenant-wide agent stream ws://<realtime>/v2/agents/ws?ticket=….");
        app.MapGet("/v2/tenant/allowed-origins", GetAllowedOrigins).WithTags("v2 realtime").RequireScope(ApiScopes.ConversationsRead)
            .WithName("V2GetAllowedOrigins").WithSummary("Browser origins allowed to open the tenant's sockets.");
        app.MapPut("/v2/tenant/allowed-origins", SetAllowedOrigins).WithTags("v2 realtime").RequireScope(ApiScopes.ChannelsWrite)
            .WithName("V2SetAllowedOrigins")
            .WithSummary("Replace the browser origins allowed to open the tenant's sockets (empty: same origin only).");
        return app;
    }

    internal static async Task<Ok<TicketResponse>> IssueWidgetTicket(WidgetTicketRequest? request, HttpContext http, ITenantContext tenants,
        RealtimeTickets tickets)
    {
        if (http.Features.Get<ConversationPrincipal>() is not { } principal)
        {
            throw new UnauthorizedException("invalid_token", "A valid conversation token is required.");
        }
        if (request?.ConversationId is not { } conversationId)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["conversationId"] = ["Required."] });
        }
        if (conversationId != principal.ConversationId)
        {
            throw new UnauthorizedException("invalid_token", "The token is not valid for this conversation.");
        }
        var tenant = tenants.RequireTenant();
        var ticket = await tickets.IssueAsync(new RealtimeTicketGrant(RealtimeTicketGrant.Conversation, tenant.Id, conversationId, null));
        return TypedResults.Ok(new TicketResponse(ticket, (int)RealtimeTickets.Lifetime.TotalSeconds));
    }

    internal static async Task<Ok<TicketResponse>> IssueAgentTicket(HttpContext http, ITenantContext tenants, RealtimeTickets tickets)
    {
        var tenant = tenants.RequireTenant();
        var ticket = await tickets.IssueAsync(new RealtimeTicketGrant(RealtimeTicketGrant.Agent, tenant.Id, null, AuditActors.From(http).Actor));
        return TypedResults.Ok(new TicketResponse(ticket, (int)RealtimeTickets.Lifetime.TotalSeconds));
    }

    internal static async Task<Ok<AllowedOriginsResponse>> GetAllowedOrigins(ITenantContext tenants, OmniChatDbContext db,
        CancellationToken cancellationToken)
    {
        var id = tenants.RequireTenant().Id;
        var origins = await db.Tenants.AsNoTracking().Where(t => t.Id == id).Select(t => t.AllowedOrigins).SingleAsync(cancellationToken);
        return TypedResults.Ok(new AllowedOriginsResponse(origins));
    }

    internal static async Task<Ok<AllowedOriginsResponse>> SetAllowedOrigins(AllowedOriginsRequest? request, HttpContext http,
        ITenantContext tenants, OmniChatDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var origins = request?.AllowedOrigins is { } raw ? BrowserOrigins.Parse(raw, "allowedOrigins", errors) : [];
        if (request?.AllowedOrigins is null)
        {
            errors["allowedOrigins"] = ["Required (an empty list means same origin only)."];
        }
        ValidationException.ThrowIfAny(errors);

        var id = tenants.RequireTenant().Id;
        var tenant = await db.Tenants.SingleAsync(t => t.Id == id, cancellationToken);
        var now = time.GetUtcNow();
        tenant.AllowedOrigins = [.. origins];
        tenant.UpdatedAt = now;
        db.AuditEntries.Add(AuditActors.Entry(http, "tenant.allowed_origins_set", "tenant", id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new AllowedOriginsResponse(tenant.AllowedOrigins));
    }
}

/// <summary>Ask for a widget socket ticket.</summary>
internal sealed record WidgetTicketRequest([property: Required, Description("The conversation of the caller's token.")] Guid? ConversationId);

/// <summary>A realtime ticket: use it once, within <c>expiresIn</c> seconds.</summary>
internal sealed record TicketResponse(string Ticket, int ExpiresIn);

/// <summary>The tenant's socket Origin allowlist.</summary>
internal sealed record AllowedOriginsRequest([property: Required] IReadOnlyList<string?>? AllowedOrigins);

/// <summary>The tenant's socket Origin allowlist.</summary>
internal sealed record AllowedOriginsResponse(IReadOnlyList<string> AllowedOrigins);
