using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Conversations;
using OmniChat.Api.Errors;
using OmniChat.Api.RateLimiting;
using OmniChat.Api.Security;
using OmniChat.Core.Attachments;
using OmniChat.Core.Conversations;
using OmniChat.Core.Customers;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Messages;
using OmniChat.Core.Security;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>API v2 conversations, for any tenant, with scoped API keys. Another tenant's ids answer 404.</summary>
internal static class V2ConversationEndpoints
{
    public static IEndpointRouteBuilder MapV2ConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/conversations").WithTags("v2 conversations");
        group.MapGet("/", ListConversations).RequireScope(ApiScopes.ConversationsRead).WithName("V2ListConversations")
            .WithSummary("Filter by status, claimedBy, unanswered, text (q); newest activity first; cursor paging.");
        group.MapPost("/", StartConversation).RequireScope(ApiScopes.ConversationsWrite).WithName("V2StartConversation")
            .WithSummary("Start a conversation for a customer; returns it with a conversation token for the visitor.")
            .Problems(ProblemCodes.LimitExceeded);
        group.MapPost("/{id:guid}/token", RefreshToken).WithName("V2RefreshToken")
            .WithSummary("Exchange the visitor's refresh token for a new conversation token and the next refresh token "
                + "(rotating; a reused one revokes its family). No API key: the refresh token is the credential.")
            .WithCredential(Credential.RefreshToken).Problems(ProblemCodes.ConversationNotFound);
        group.MapGet("/{id:guid}", GetConversation).RequireScope(ApiScopes.ConversationsRead).WithName("V2GetConversation")
            .WithSummary("One conversation.").Problems(ProblemCodes.ConversationNotFound);
        group.MapPatch("/{id:guid}", Rename).RequireScope(ApiScopes.ConversationsWrite).WithName("V2RenameConversation")
            .WithSummary("Rename a conversation.").Problems(ProblemCodes.ConversationNotFound);
        group.MapGet("/{id:guid}/messages", ListMessages).RequireScope(ApiScopes.ConversationsRead).WithName("V2ListMessages")
            .WithSummary("Messages after a sequence number (afterSeq), in order.").Problems(ProblemCodes.ConversationNotFound);
        group.MapPost("/{id:guid}/messages", Reply).RequireScope(ApiScopes.ConversationsWrite).WithName("V2Reply").RateLimitPerConversation()
            .WithSummary("Reply as an agent (OUTBOUND) holding the claim (else 409 not_claimed); a repeated clientMessageId returns the first result with 200.")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed, ProblemCodes.ConversationChanged, ProblemCodes.NotClaimed,
                ProblemCodes.AttachmentNotFound, ProblemCodes.AttachmentAlreadyLinked);
        group.MapPost("/{id:guid}/claim", Claim).RequireScope(ApiScopes.ConversationsWrite).WithName("V2Claim")
            .WithSummary("Claim for an agent: of concurrent claimers exactly one gets 200, the others 409 already_claimed.")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed, ProblemCodes.AlreadyClaimed);
        group.MapPost("/{id:guid}/release", Release).RequireScope(ApiScopes.ConversationsWrite).WithName("V2Release")
            .WithSummary("Release a claimed conversation back to the queue.").Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed);
        group.MapPost("/{id:guid}/close", Close).RequireScope(ApiScopes.ConversationsWrite).WithName("V2Close")
            .WithSummary("Close a conversation (closing a closed one changes nothing).").Problems(ProblemCodes.ConversationNotFound);
        group.MapPost("/{id:guid}/notes", AddNote).RequireScope(ApiScopes.ConversationsWrite).WithName("V2AddNote").RateLimitPerConversation()
            .WithSummary("Send an info_note to the visitor: free text, or a template key resolved in the conversation's locale.")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.TemplateNotFound, ProblemCodes.ConversationClosed, ProblemCodes.ConversationChanged);
        group.MapDelete("/{id:guid}/customer", EraseCustomer).RequireScope(ApiScopes.CustomersErase).WithName("V2EraseCustomer")
            .WithSummary("Erase the personal data of the conversation's customer everywhere: names, identities, message texts and files of "
                + "all their conversations, event and delivery copies; the Telegram topics are renamed '#<short id> erased'. Repeatable.")
            .Problems(ProblemCodes.ConversationNotFound);
        return app;
    }

    internal static async Task<Ok<ConversationListResponse>> ListConversations(string? status, string? claimedBy, bool? unanswered,
        string? q, string? cursor, int? limit, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = ConversationRequestRules.Limit(limit, errors, fallback: 50, max: 100);
        var statusFilter = ConversationRequestRules.Status(status, errors);
        var after = cursor is null ? null : InboxCursor.TryParse(cursor);
        if (cursor is not null && after is null)
        {
            errors["cursor"] = ["Not a cursor this API returned."];
        }
        if (q is { Length: > 200 } || (q?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            errors["q"] = ["At most 200 characters, no NUL."];
        }
        if (claimedBy is { Length: > ConversationRules.MaxAgentLength } || (claimedBy?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            errors["claimedBy"] = ["An agent name."];
        }
        ValidationException.ThrowIfAny(errors);

        var query = db.Conversations.AsNoTracking();
        if (statusFilter is { } s) query = query.Where(c => c.Status == s);
        if (claimedBy is not null) query = query.Where(c => c.ClaimedBy == claimedBy);
        if (unanswered is true) query = query.Where(ConversationQueries.Unanswered);
        if (unanswered is false) query = query.Where(ConversationQueries.Answered);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = LikePattern.Contains(q);
            query = query.Where(c => EF.Functions.ILike(c.Name ?? "", pattern)
                || db.Messages.Any(m => m.ConversationId == c.Id && EF.Functions.ILike(m.Text, pattern)));
        }
        if (after is { } position)
        {
            query = query.Where(c => EF.Functions.LessThan(ValueTuple.Create(c.UpdatedAt, c.Id), ValueTuple.Create(position.UpdatedAt, position.Id)));
        }

        var page = await query.OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.Id).Take(take + 1).ToListAsync(cancellationToken);
        var next = page.Count > take ? new InboxCursor(page[take - 1].UpdatedAt, page[take - 1].Id).ToString() : null;
        return TypedResults.Ok(new ConversationListResponse([.. page.Take(take).Select(ConversationResponse.From)], next));
    }

    internal static async Task<Created<V2StartedConversationResponse>> StartConversation(V2StartConversationRequest? request,
        HttpContext http, ITenantContext tenants, ConversationWriter writer, ConversationTokens tokens, OmniChatDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (name, locale, metadata) = ConversationRequestRules.Validate(request is null ? null : new StartConversationRequest(request.Name, request.Locale, request.Metadata));
        var customer = request?.Customer;
        if (customer is not null)
        {
            var errors = new Dictionary<string, string[]>();
            if (customer.ExternalId is not { Length: > 0 and <= 200 } || customer.ExternalId.Contains('\0', StringComparison.Ordinal))
            {
                errors["customer.externalId"] = ["Required, 1 to 200 characters."];
            }
            if (customer.DisplayName is { Length: > 200 } || (customer.DisplayName?.Contains('\0', StringComparison.Ordinal) ?? false))
            {
                errors["customer.displayName"] = ["At most 200 characters."];
            }
            ValidationException.ThrowIfAny(errors);
        }
        var tenant = tenants.RequireTenant();
        var customerId = customer is null ? (Guid?)null : await Customers.FindOrCreateAsync(db, IdentityKind.Connector, customer.ExternalId!, customer.DisplayName, locale, time, cancellationToken);
        var started = await writer.StartAsync(tenant, name, locale, metadata, "api", "api", cancellationToken, AuditActors.From(http), customerId);
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == started.ConversationId, cancellationToken);
        return TypedResults.Created($"/v2/conversations/{started.ConversationId}", new V2StartedConversationResponse(
            ConversationResponse.From(conversation), tokens.Issue(tenant.Id, started.ConversationId), started.RefreshToken,
            (int)ConversationTokens.Lifetime.TotalSeconds));
    }

    internal static async Task<Ok<TokenResponse>> RefreshToken(Guid id, RefreshTokenRequest? request, ITenantStore store,
        RefreshTokenRotation rotation, ConversationTokens tokens, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.RefreshToken) || request.RefreshToken.Length > 200)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["refreshToken"] = ["Required."] });
        }
        // The tenant comes from the token's own row (a narrow look-up by hash), never from the request; whatever else the
        // request carries (an API key of some tenant) plays no part.
        var found = await store.FindByRefreshTokenHashAsync(RefreshTokenSecret.Hash(request.RefreshToken), cancellationToken)
            ?? throw new UnauthorizedException("invalid_refresh_token", "The refresh token is not valid.");
        if (found.ConversationId != id)
        {
            // Another conversation, maybe another tenant's: answer as for an id that does not exist.
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }
        if (found.Tenant.Status != TenantStatus.Active)
        {
            throw new ForbiddenException("tenant_suspended", "This tenant is suspended.");
        }
        var next = await rotation.RotateAsync(found.Tenant, id, request.RefreshToken, cancellationToken);
        return TypedResults.Ok(new TokenResponse(tokens.Issue(found.Tenant.Id, id), next, (int)ConversationTokens.Lifetime.TotalSeconds));
    }

    internal static async Task<Ok<ConversationResponse>> GetConversation(Guid id, OmniChatDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(ConversationResponse.From(await FindAsync(db, id, cancellationToken)));

    internal static async Task<Ok<ConversationResponse>> Rename(Guid id, RenameRequest? request, HttpContext http, ITenantContext tenants,
        ConversationWriter writer, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = ConversationRules.Name(request?.Name, errors);
        ValidationException.ThrowIfAny(errors);
        await writer.RenameAsync(tenants.RequireTenant(), id, name, cancellationToken, AuditActors.From(http));
        return TypedResults.Ok(ConversationResponse.From(await FindAsync(db, id, cancellationToken)));
    }

    internal static async Task<Ok<CustomerErasureResponse>> EraseCustomer(Guid id, HttpContext http, ITenantContext tenants, CustomerErasure erasure,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(CustomerErasureResponse.From(await erasure.EraseAsync(tenants.RequireTenant(), id, AuditActors.From(http), cancellationToken)));

    /// <summary>Messages in seq order, each with its delivery state per target (Telegram topic, Telegram private chat).</summary>
    internal static async Task<Ok<V2MessagePageResponse>> ListMessages(Guid id, long? afterSeq, int? limit, OmniChatDbContext db,
        CancellationToken cancellationToken)
    {
        var (messages, next) = await MessagePages.ReadPageAsync(db, id, afterSeq, limit, cancellationToken);
        var ids = messages.Select(m => m.Id).ToList();
        var deliveries = ids.Count == 0
            ? []
            : await db.TelegramDeliveries.AsNoTracking()
                .Where(d => d.ConversationId == id && d.MessageId != null && ids.Contains(d.MessageId.Value))
                .OrderBy(d => d.CreatedAt)
                .ToListAsync(cancellationToken);
        var byMessage = deliveries.ToLookup(d => d.MessageId!.Value);
        return TypedResults.Ok(new V2MessagePageResponse(
            [.. messages.Select(m => V2MessageResponse.From(m, [.. byMessage[m.Id].Select(MessageDeliveryResponse.From)]))], next));
    }

    internal static Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> Reply(Guid id, V2AgentReplyRequest? request,
        HttpContext http, ITenantContext tenants, ConversationWriter writer, AttachmentLinker linker, CancellationToken cancellationToken) =>
        V1AdminEndpoints.ReplyAsync(id, request is null ? null : new AgentReplyRequest(request.Agent, request.Text, request.ClientMessageId),
            requiresClaim: true, "/v2/conversations", http, tenants, writer, cancellationToken, request?.AttachmentIds, linker);

    internal static Task<Ok<ConversationStateResponse>> Claim(Guid id, ClaimRequest? request, HttpContext http, ITenantContext tenants,
        ConversationWriter writer, CancellationToken cancellationToken) =>
        V1AdminEndpoints.Claim(id, request, http, tenants, writer, cancellationToken);

    internal static async Task<Ok<ConversationStateResponse>> Release(Guid id, HttpContext http, ITenantContext tenants, ConversationWriter writer,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(ConversationStateResponse.From(await writer.ReleaseAsync(tenants.RequireTenant(), id, cancellationToken, AuditActors.From(http))));

    internal static Task<Ok<ConversationStateResponse>> Close(Guid id, HttpContext http, ITenantContext tenants, ConversationWriter writer,
        CancellationToken cancellationToken) =>
        V1AdminEndpoints.Close(id, http, tenants, writer, cancellationToken);

    internal static async Task<Created<NoteResponse>> AddNote(Guid id, AddNoteRequest? request, HttpContext http, ITenantContext tenants,
        ConversationWriter writer, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var hasText = !string.IsNullOrWhiteSpace(request?.Text);
        var hasKey = !string.IsNullOrWhiteSpace(request?.Key);
        if (hasText == hasKey)
        {
            errors["text"] = ["Give exactly one of text or key."];
        }
        else if (hasText)
        {
            ConversationRules.Text(request!.Text, errors);
        }
        else if (!TemplateTranslations.IsKey(request!.Key))
        {
            errors["key"] = ["A template key."];
        }
        ValidationException.ThrowIfAny(errors);

        var conversation = await FindAsync(db, id, cancellationToken);
        var text = request!.Text!;
        if (hasKey)
        {
            var tenantLocale = await db.Tenants.AsNoTracking().Select(t => t.DefaultLocale).SingleAsync(cancellationToken);
            var resolved = await new TemplateResolver(db).ResolveAsync(request.Key!, conversation.Locale, tenantLocale, cancellationToken)
                ?? throw TemplateTranslations.NotFound();
            text = resolved.Text;
        }
        var added = await writer.AddMessageAsync(tenants.RequireTenant(), id,
            new MessageSource(MessageDirection.System, Channel: "api", Interface: "api") { NoteKey = hasKey ? request.Key : null },
            text, clientMessageId: null, cancellationToken, AuditActors.From(http));
        var m = added.Message;
        return TypedResults.Created($"/v2/conversations/{id}/messages/{m.Id}", new NoteResponse(m.Id, m.Seq, hasKey ? request.Key : null, m.Text, m.CreatedAt));
    }

    private static async Task<Conversation> FindAsync(OmniChatDbContext db, Guid id, CancellationToken cancellationToken) =>
        await db.Conversations.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken)
        ?? throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
}

public sealed record V2StartedConversationResponse(ConversationResponse Conversation, string Token, string RefreshToken, int ExpiresIn);

/// <summary><c>POST /v2/conversations/{id}/notes</c>: free text, or a template key resolved in the conversation's locale.</summary>
/// <remarks>
/// Exactly one of the two (400 <c>validation_failed</c> otherwise): a JSON Schema <c>anyOf</c> of required sets would
/// say it, but generated clients (openapi-typescript, NSwag) type such a body badly, so the rule is in the descriptions.
/// </remarks>
public sealed record AddNoteRequest(
    [property: Description("The note's text. Give exactly one of `text` and `key`.")] string? Text,
    [property: Description("A template key, resolved in the conversation's locale with the fallback chain. Give exactly one of `text` and `key`.")] string? Key);

/// <summary>A note as sent to the visitor (<c>info_note</c>).</summary>
public sealed record NoteResponse(Guid Id, long Seq, string? Key, string Text, DateTimeOffset CreatedAt);
