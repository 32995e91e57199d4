using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Conversations;
using OmniChat.Api.Errors;
using OmniChat.Api.RateLimiting;
using OmniChat.Api.Security;
using OmniChat.Core.Attachments;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>The legacy v1 admin API (<c>Authorization: Bearer &lt;SERVICE_TOKEN&gt;</c>, the <c>default</c> tenant).</summary>
internal static class V1AdminEndpoints
{
    public static IEndpointRouteBuilder MapV1AdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/conversations").WithTags("v1 admin").RequireServiceToken();
        group.MapGet("/", ListConversations).WithName("V1AdminListConversations").WithSummary("Conversations, newest activity first, optionally by status.");
        group.MapPost("/{id:guid}/claim", Claim).WithName("V1AdminClaim").WithSummary("Claim for an agent (exactly one of concurrent claimers wins).")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed, ProblemCodes.AlreadyClaimed);
        group.MapPost("/{id:guid}/reply", Reply).WithName("V1AdminReply").RateLimitPerConversation().WithSummary("Reply as an agent (OUTBOUND).")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed, ProblemCodes.ConversationChanged, ProblemCodes.NotClaimed);
        group.MapPost("/{id:guid}/close", Close).WithName("V1AdminClose").WithSummary("Close the conversation.")
            .Problems(ProblemCodes.ConversationNotFound);
        return app;
    }

    internal static async Task<Ok<ConversationListResponse>> ListConversations(string? status, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var statusFilter = ConversationRequestRules.Status(status, errors);
        ValidationException.ThrowIfAny(errors);
        var query = db.Conversations.AsNoTracking();
        if (statusFilter is { } parsed)
        {
            query = query.Where(c => c.Status == parsed);
        }
        var conversations = await query.OrderByDescending(c => c.UpdatedAt).Take(200).ToListAsync(cancellationToken);
        return TypedResults.Ok(new ConversationListResponse([.. conversations.Select(ConversationResponse.From)], null));
    }

    internal static async Task<Ok<ConversationStateResponse>> Claim(Guid id, ClaimRequest? request, HttpContext http, ITenantContext tenants,
        ConversationWriter writer, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var agent = ConversationRules.Agent(request?.Agent, errors);
        ValidationException.ThrowIfAny(errors);
        var state = await writer.ClaimAsync(tenants.RequireTenant(), id, agent, cancellationToken, AuditActors.From(http));
        return TypedResults.Ok(ConversationStateResponse.From(state));
    }

    /// <summary>The frozen v1 behaviour: any agent may reply, claimed or not.</summary>
    internal static Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> Reply(Guid id, AgentReplyRequest? request,
        HttpContext http, ITenantContext tenants, ConversationWriter writer, CancellationToken cancellationToken) =>
        ReplyAsync(id, request, requiresClaim: false, "/v1/conversations", http, tenants, writer, cancellationToken);

    /// <summary>
    /// An agent's reply. With <paramref name="requiresClaim"/> the Core claim-before-reply rule applies (409
    /// <c>not_claimed</c> unless the agent holds the claim), as in Telegram and the portal.
    /// </summary>
    /// <remarks>
    /// <paramref name="attachmentIds"/> (v2 only): uploads the message carries, checked and linked by <paramref name="linker"/>
    /// (required with them) in the message's own statement.
    /// </remarks>
    internal static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> ReplyAsync(Guid id, AgentReplyRequest? request,
        bool requiresClaim, string basePath, HttpContext http, ITenantContext tenants, ConversationWriter writer, CancellationToken cancellationToken,
        IReadOnlyList<Guid>? attachmentIds = null, AttachmentLinker? linker = null)
    {
        var errors = new Dictionary<string, string[]>();
        var agent = ConversationRules.Agent(request?.Agent, errors);
        var text = ConversationRules.Text(request?.Text, errors);
        if (attachmentIds is { Count: > AttachmentLinker.MaxPerMessage })
        {
            errors["attachmentIds"] = [$"At most {AttachmentLinker.MaxPerMessage} attachments."];
        }
        ValidationException.ThrowIfAny(errors);
        var tenant = tenants.RequireTenant();
        var source = new MessageSource(MessageDirection.Outbound, agent) { RequiresClaim = requiresClaim };
        if (attachmentIds is { Count: > 0 })
        {
            source = await (linker ?? throw new ArgumentNullException(nameof(linker))).AttachAsync(tenant, id, source, attachmentIds,
                request!.ClientMessageId, cancellationToken);
        }
        var added = await writer.AddMessageAsync(tenant, id, source, text, request!.ClientMessageId, cancellationToken,
            AuditActors.From(http));
        var body = MessageResponse.From(added.Message);
        return added.Created ? TypedResults.Created($"{basePath}/{id}/messages/{body.Id}", body) : TypedResults.Ok(body);
    }

    internal static async Task<Ok<ConversationStateResponse>> Close(Guid id, HttpContext http, ITenantContext tenants, ConversationWriter writer,
        CancellationToken cancellationToken)
    {
        var audit = AuditActors.From(http);
        var state = await writer.CloseAsync(tenants.RequireTenant(), id, closedBy: audit.Actor, cancellationToken, audit);
        return TypedResults.Ok(ConversationStateResponse.From(state));
    }
}
