using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Conversations;
using OmniChat.Api.Errors;
using OmniChat.Api.RateLimiting;
using OmniChat.Api.Security;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>The frozen v1 widget API (always the <c>default</c> tenant). Field names are part of the contract.</summary>
internal static class V1ConversationEndpoints
{
    public static IEndpointRouteBuilder MapV1ConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/conversations").WithTags("v1 widget");
        group.MapPost("/", StartConversation).WithName("V1StartConversation")
            .WithSummary("Start a conversation; returns its conversation token and first refresh token.")
            .WithCredential(Credential.None).Problems(ProblemCodes.LimitExceeded);
        group.MapPost("/{id:guid}/token", RefreshToken).WithName("V1RefreshToken")
            .WithSummary("Exchange a refresh token (rotating; a reused one revokes its family).")
            .WithCredential(Credential.RefreshToken);
        group.MapPost("/{id:guid}/messages", SendMessage).WithName("V1SendMessage")
            .WithSummary("Send a visitor message (Bearer conversation token). A repeated clientMessageId returns the first result with 200.")
            .RateLimitPerConversation()
            .WithCredential(Credential.ConversationToken)
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationClosed, ProblemCodes.ConversationChanged);
        group.MapGet("/{id:guid}/messages", ListMessages).WithName("V1ListMessages")
            .WithSummary("Messages after a sequence number, in order (Bearer conversation token).")
            .WithCredential(Credential.ConversationToken).Problems(ProblemCodes.ConversationNotFound);
        return app;
    }

    internal static async Task<Created<StartConversationResponse>> StartConversation(StartConversationRequest? request,
        ITenantContext tenants, ConversationWriter writer, ConversationTokens tokens, CancellationToken cancellationToken)
    {
        var (name, locale, metadata) = ConversationRequestRules.Validate(request);
        var tenant = tenants.RequireTenant();
        var started = await writer.StartAsync(tenant, name, locale, metadata, "web", "widget", cancellationToken);
        var body = new StartConversationResponse(started.ConversationId, tokens.Issue(tenant.Id, started.ConversationId),
            started.RefreshToken, (int)ConversationTokens.Lifetime.TotalSeconds);
        return TypedResults.Created($"/v1/conversations/{started.ConversationId}", body);
    }

    internal static async Task<Ok<TokenResponse>> RefreshToken(Guid id, RefreshTokenRequest? request, ITenantContext tenants,
        RefreshTokenRotation rotation, ConversationTokens tokens, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.RefreshToken) || request.RefreshToken.Length > 200)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["refreshToken"] = ["Required."] });
        }
        var tenant = tenants.RequireTenant();
        var next = await rotation.RotateAsync(tenant, id, request.RefreshToken, cancellationToken);
        return TypedResults.Ok(new TokenResponse(tokens.Issue(tenant.Id, id), next, (int)ConversationTokens.Lifetime.TotalSeconds));
    }

    internal static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> SendMessage(Guid id, SendMessageRequest? request,
        HttpContext http, ITenantContext tenants, ConversationTokens tokens, ConversationWriter writer, CancellationToken cancellationToken)
    {
        var tenant = await ConversationTokenAuth.RequireAsync(http, tokens, tenants, id);
        var errors = new Dictionary<string, string[]>();
        var text = ConversationRules.Text(request?.Text, errors);
        ValidationException.ThrowIfAny(errors);

        var added = await writer.AddMessageAsync(tenant, id, new MessageSource(MessageDirection.Inbound), text, request!.ClientMessageId, cancellationToken);
        var body = MessageResponse.From(added.Message);
        return added.Created
            ? TypedResults.Created($"/v1/conversations/{id}/messages/{body.Id}", body)
            : TypedResults.Ok(body);
    }

    internal static async Task<Ok<MessagePageResponse>> ListMessages(Guid id, long? afterSeq, int? limit, HttpContext http,
        ITenantContext tenants, ConversationTokens tokens, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        await ConversationTokenAuth.RequireAsync(http, tokens, tenants, id);
        return TypedResults.Ok(await MessagePages.ReadAsync(db, id, afterSeq, limit, cancellationToken));
    }
}

/// <summary>Reading messages in sequence order, shared by v1 and v2.</summary>
internal static class MessagePages
{
    public static async Task<MessagePageResponse> ReadAsync(OmniChatDbContext db, Guid conversationId, long? afterSeq, int? limit,
        CancellationToken cancellationToken)
    {
        var (messages, next) = await ReadPageAsync(db, conversationId, afterSeq, limit, cancellationToken);
        return new MessagePageResponse([.. messages.Select(MessageResponse.From)], next);
    }

    /// <summary>A page of the conversation's messages after <paramref name="afterSeq"/> and the cursor for the next one.</summary>
    public static async Task<(List<Message> Messages, long NextAfterSeq)> ReadPageAsync(OmniChatDbContext db, Guid conversationId,
        long? afterSeq, int? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = ConversationRequestRules.Limit(limit, errors);
        var after = afterSeq ?? 0;
        if (after < 0)
        {
            errors["afterSeq"] = ["Zero or more."];
        }
        ValidationException.ThrowIfAny(errors);

        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, cancellationToken))
        {
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Seq > after)
            .OrderBy(m => m.Seq)
            .Take(take)
            .ToListAsync(cancellationToken);
        return (messages, messages.Count > 0 ? messages[^1].Seq : after);
    }
}
