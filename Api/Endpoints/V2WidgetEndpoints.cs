using System.ComponentModel;
using OmniChat.Api.Tenancy;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Api.Conversations;
using OmniChat.Api.Errors;
using OmniChat.Api.RateLimiting;
using OmniChat.Api.Security;
using OmniChat.Api.Widget;
using OmniChat.Core.Attachments;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Conversations;
using OmniChat.Core.Customers;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// The website widget's API (docs/widget.md), called by visitors' browsers: bootstrap and session by the public site key
/// (the browser's Origin must be on the tenant's allowlist), then messages and identity with the conversation token.
/// The refresh token only ever travels in the widget cookie.
/// </summary>
internal static class V2WidgetEndpoints
{
    private const int MaxUserIdLength = 200;

    public static IEndpointRouteBuilder MapV2WidgetEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/widget").WithTags("v2 widget");
        group.MapGet("/bootstrap", Bootstrap).WithName("V2WidgetBootstrap").WithCredential(Credential.None)
            .WithSummary("The widget's texts (by locale), theme, features and socket address; with the visitor's conversation when the widget cookie holds one.")
            .Problems(ProblemCodes.SiteKeyNotFound, ProblemCodes.OriginNotAllowed)
            // A suspended tenant's widget learns that it is offline (status "offline") instead of failing.
            .ServesSuspendedTenants();
        group.MapPost("/conversations", Start).WithName("V2WidgetStartConversation").WithCredential(Credential.None)
            .WithSummary("Start the visitor's conversation (optionally as a verified user); sets the widget cookie.")
            .Problems(ProblemCodes.SiteKeyNotFound, ProblemCodes.OriginNotAllowed, ProblemCodes.IdentityInvalid, ProblemCodes.LimitExceeded);
        group.MapPost("/session", Session).WithName("V2WidgetSession").WithCredential(Credential.None)
            .WithSummary("A new conversation token from the widget cookie, or for a verified user's latest conversation (another device).")
            .Problems(ProblemCodes.SiteKeyNotFound, ProblemCodes.OriginNotAllowed, ProblemCodes.IdentityInvalid, ProblemCodes.NoSession);
        group.MapPost("/conversations/{id:guid}/messages", SendMessage).WithName("V2WidgetSendMessage").WithCredential(Credential.ConversationToken)
            .RateLimitPerConversation()
            .WithSummary("Send a visitor message; writing into a closed conversation reopens it. A repeated clientMessageId returns the first result with 200.")
            .Problems(ProblemCodes.ConversationNotFound, ProblemCodes.ConversationChanged, ProblemCodes.OriginNotAllowed,
                ProblemCodes.AttachmentNotFound, ProblemCodes.AttachmentAlreadyLinked);
        group.MapPost("/identify", Identify).WithName("V2WidgetIdentify").WithCredential(Credential.ConversationToken)
            .WithSummary("Bind the conversation to the site's verified user (userHash = hex HMAC-SHA256 of userId with the identity secret).")
            .Problems(ProblemCodes.IdentityInvalid, ProblemCodes.IdentityMismatch, ProblemCodes.ConversationNotFound, ProblemCodes.OriginNotAllowed);
        return app;
    }

    internal static async Task<Ok<WidgetBootstrapResponse>> Bootstrap(string? siteKey, string? locale, HttpContext http, ITenantContext tenants,
        OmniChatDbContext db, WidgetSessions sessions, WidgetAssets assets, AttachmentIntake attachments, IOptions<WidgetOptions> options,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (tenant, channel) = await WidgetAsync(siteKey, tenants, db, cancellationToken);
        var settings = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant.Id)
            .Select(t => new { t.DefaultLocale }).SingleAsync(cancellationToken);
        var requested = Locale(locale, http) ?? settings.DefaultLocale;
        var texts = await WidgetTexts.ResolveAsync(new TemplateResolver(db), requested, settings.DefaultLocale, cancellationToken);
        var maxBytes = await attachments.MaxBytesAsync(tenant, cancellationToken);
        var types = await attachments.AllowedTypesAsync(cancellationToken);
        var bot = await db.TelegramChannels.AsNoTracking().Where(c => c.Status == TelegramChannelStatus.Active)
            .Select(c => c.BotUsername).FirstOrDefaultAsync(cancellationToken);
        var conversation = await sessions.ResumeAsync(http, tenant, cancellationToken);
        var api = $"{http.Request.Scheme}://{http.Request.Host}";
        var normalized = LocaleTag.Normalize(requested);
        return TypedResults.Ok(new WidgetBootstrapResponse(
            channel.SiteKey,
            new WidgetTenantResponse(tenant.Name),
            // A suspended tenant's widget shows its offline text and no composer.
            tenant.Status == TenantStatus.Active ? "online" : "offline",
            normalized,
            WidgetTexts.IsRightToLeft(normalized) ? "rtl" : "ltr",
            texts,
            new WidgetThemeResponse(channel.PrimaryColor, channel.Position.ToString().ToLowerInvariant()),
            new WidgetFeaturesResponse(new WidgetAttachmentsResponse(maxBytes, types),
                bot is null ? null : new Uri($"https://t.me/{bot}"), channel.ProtectedIdentitySecret is not null),
            options.Value.RealtimeUrlFor(configuration, http),
            assets.AppPath is { } path ? new WidgetAppResponse(new Uri(api + path), assets.App!.Integrity) : null,
            conversation));
    }

    internal static async Task<Created<WidgetSessionResponse>> Start(string? siteKey, WidgetStartRequest? request, HttpContext http,
        ITenantContext tenants, OmniChatDbContext db, WidgetChannels widgets, ConversationWriter writer, WidgetSessions sessions, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (tenant, _) = await WidgetAsync(siteKey, tenants, db, cancellationToken);
        var (name, locale, _) = ConversationRequestRules.Validate(new StartConversationRequest(request?.Name, request?.Locale, null));
        var identity = ValidIdentity(request?.Identity);
        Guid? customerId = null;
        string? metadata = null;
        if (identity is not null)
        {
            await widgets.VerifyIdentityAsync(identity.UserId!, identity.UserHash, cancellationToken);
            customerId = await Customers.FindOrCreateAsync(db, IdentityKind.Web, identity.UserId!, identity.Name, locale, time, cancellationToken);
            metadata = identity.Email is null ? null : new JsonObject { ["email"] = identity.Email }.ToJsonString();
        }
        var started = await writer.StartAsync(tenant, name ?? identity?.Name, locale, metadata, "web", "widget", cancellationToken, customerId: customerId);
        var session = await sessions.IssueAsync(http, tenant, started.ConversationId, started.RefreshToken);
        return TypedResults.Created($"/v2/widget/conversations/{started.ConversationId}", session);
    }

    internal static async Task<Ok<WidgetSessionResponse>> Session(string? siteKey, WidgetSessionRequest? request, HttpContext http,
        ITenantContext tenants, OmniChatDbContext db, WidgetChannels widgets, WidgetSessions sessions, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (tenant, _) = await WidgetAsync(siteKey, tenants, db, cancellationToken);
        var identity = ValidIdentity(request?.Identity);
        if (await sessions.ResumeAsync(http, tenant, cancellationToken) is { } resumed)
        {
            return TypedResults.Ok(resumed);
        }
        if (identity is not null)
        {
            await widgets.VerifyIdentityAsync(identity.UserId!, identity.UserHash, cancellationToken);
            var customerId = await Customers.FindOrCreateAsync(db, IdentityKind.Web, identity.UserId!, identity.Name, null, time, cancellationToken);
            if (await sessions.ForCustomerAsync(http, tenant, db, customerId, cancellationToken) is { } latest)
            {
                return TypedResults.Ok(latest);
            }
        }
        throw new NotFoundException("no_session", "No conversation to continue: the widget cookie is missing or expired, and no verified user with a conversation was named.");
    }

    internal static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> SendMessage(Guid id, WidgetMessageRequest? request,
        HttpContext http, ITenantContext tenants, ConversationTokens tokens, ConversationWriter writer, AttachmentLinker linker,
        CancellationToken cancellationToken)
    {
        var tenant = await ConversationTokenAuth.RequireAsync(http, tokens, tenants, id);
        var errors = new Dictionary<string, string[]>();
        var files = request?.AttachmentIds ?? [];
        // A file alone is a message too, with no text (the topic gets the files alone).
        var text = files.Count > 0 && string.IsNullOrWhiteSpace(request?.Text) ? "" : ConversationRules.Text(request?.Text, errors);
        if (files.Count > AttachmentLinker.MaxPerMessage)
        {
            errors["attachmentIds"] = [$"At most {AttachmentLinker.MaxPerMessage} attachments."];
        }
        ValidationException.ThrowIfAny(errors);
        var source = await linker.AttachAsync(tenant, id, new MessageSource(MessageDirection.Inbound) { ReopensClosed = true }, files,
            request!.ClientMessageId, cancellationToken);
        var added = await writer.AddMessageAsync(tenant, id, source, text, request.ClientMessageId, cancellationToken);
        var body = MessageResponse.From(added.Message);
        return added.Created ? TypedResults.Created($"/v2/widget/conversations/{id}/messages/{body.Id}", body) : TypedResults.Ok(body);
    }

    internal static async Task<Ok<WidgetIdentityResponse>> Identify(WidgetIdentity? request, HttpContext http, ITenantContext tenants,
        ConversationTokens tokens, OmniChatDbContext db, WidgetChannels widgets, TimeProvider time, CancellationToken cancellationToken)
    {
        if (http.Features.Get<ConversationPrincipal>() is not { } principal)
        {
            throw new UnauthorizedException("invalid_token", "A valid conversation token is required.");
        }
        await ConversationTokenAuth.RequireAsync(http, tokens, tenants, principal.ConversationId);
        var identity = ValidIdentity(request) ?? throw new ValidationException(new Dictionary<string, string[]> { ["userId"] = ["Required."] });
        await widgets.VerifyIdentityAsync(identity.UserId!, identity.UserHash, cancellationToken);
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == principal.ConversationId, cancellationToken)
            ?? throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        var customerId = await Customers.FindOrCreateAsync(db, IdentityKind.Web, identity.UserId!, identity.Name, conversation.Locale, time, cancellationToken);
        if (conversation.CustomerId is { } bound && bound != customerId)
        {
            // Another verified user's conversation (a shared computer): never hand it to this one.
            throw new ConflictException("identity_mismatch", "This conversation belongs to another user; start a new one.");
        }
        conversation.CustomerId = customerId;
        if (identity.Email is not null)
        {
            var metadata = conversation.Metadata is null ? new JsonObject() : JsonNode.Parse(conversation.Metadata) as JsonObject ?? new JsonObject();
            metadata["email"] = identity.Email;
            conversation.Metadata = metadata.ToJsonString();
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new WidgetIdentityResponse(customerId));
    }

    // The tenant of the site key, and its widget; 404 when the key names none (or another tenant's, for a token-resolved request).
    private static async Task<(TenantInfo Tenant, WidgetChannel Channel)> WidgetAsync(string? siteKey, ITenantContext tenants, OmniChatDbContext db,
        CancellationToken cancellationToken)
    {
        if (tenants.Tenant is { } tenant && WidgetSecrets.LooksLikeSiteKey(siteKey)
            && await db.WidgetChannels.AsNoTracking().SingleOrDefaultAsync(c => c.SiteKey == siteKey, cancellationToken) is { } channel)
        {
            return (tenant, channel);
        }
        throw new NotFoundException("site_key_not_found", "No widget has this site key.");
    }

    private static WidgetIdentity? ValidIdentity(WidgetIdentity? identity)
    {
        if (identity is null)
        {
            return null;
        }
        var errors = new Dictionary<string, string[]>();
        if (identity.UserId is not { Length: > 0 and <= MaxUserIdLength } || identity.UserId.Contains('\0', StringComparison.Ordinal))
        {
            errors["identity.userId"] = [$"Required, 1 to {MaxUserIdLength} characters."];
        }
        if (identity.UserHash is not { Length: > 0 and <= 128 })
        {
            errors["identity.userHash"] = ["Required: hex HMAC-SHA256 of userId with the widget's identity secret."];
        }
        if (identity.Name is { Length: > ConversationRules.MaxNameLength } || (identity.Name?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            errors["identity.name"] = [$"At most {ConversationRules.MaxNameLength} characters."];
        }
        if (identity.Email is { } email && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal) || email.Contains('\0', StringComparison.Ordinal)))
        {
            errors["identity.email"] = ["An email address."];
        }
        ValidationException.ThrowIfAny(errors);
        return identity with { Name = string.IsNullOrWhiteSpace(identity.Name) ? null : identity.Name.Trim() };
    }

    // The browser's language (Accept-Language's first tag) when the widget names none.
    private static string? Locale(string? locale, HttpContext http)
    {
        if (locale is not null)
        {
            return ConversationRequestRules.IsLocale(locale) ? locale
                : throw new ValidationException(new Dictionary<string, string[]> { ["locale"] = ["A BCP 47 language tag, for example en or pt-BR."] });
        }
        var first = http.Request.Headers.AcceptLanguage.ToString().Split(',', 2)[0].Split(';', 2)[0].Trim();
        return first.Length > 0 && first != "*" && ConversationRequestRules.IsLocale(first) ? first : null;
    }
}

/// <summary>What the widget needs to show itself for this tenant.</summary>
internal sealed record WidgetBootstrapResponse(
    string SiteKey,
    WidgetTenantResponse Tenant,
    [property: Description("online, or offline (the widget shows texts.offline and no composer)")] string Status,
    [property: Description("The locale the texts are for (BCP 47).")] string Locale,
    [property: Description("ltr or rtl")] string Direction,
    [property: Description("Text name → text; the tenant's templates widget.<name>, else the platform's English.")] IReadOnlyDictionary<string, string> Texts,
    WidgetThemeResponse Theme,
    WidgetFeaturesResponse Features,
    [property: Description("The realtime hub: open <realtimeUrl>/v2/ws?ticket=…")] Uri RealtimeUrl,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] WidgetAppResponse? App,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull),
        Description("The visitor's conversation, when the widget cookie holds one.")] WidgetSessionResponse? Conversation);

/// <summary>The tenant as visitors see it.</summary>
internal sealed record WidgetTenantResponse(string Name);

/// <summary>The widget's look.</summary>
internal sealed record WidgetThemeResponse([property: Description("#rrggbb")] string PrimaryColor, [property: Description("right or left")] string Position);

/// <summary>What the widget offers.</summary>
internal sealed record WidgetFeaturesResponse(
    WidgetAttachmentsResponse Attachments,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull),
        Description("The tenant's Telegram bot, when one is connected.")] Uri? TelegramUrl,
    [property: Description("Whether the tenant verifies users (identify).")] bool Identity);

/// <summary>Files the visitor may send.</summary>
internal sealed record WidgetAttachmentsResponse(long MaxBytes, IReadOnlyList<string> Types);

/// <summary>The app bundle and its Subresource Integrity hash.</summary>
internal sealed record WidgetAppResponse(Uri Url, string Integrity);

/// <summary>A site's signed user: <c>userHash</c> = hex HMAC-SHA256 of <c>userId</c> with the widget's identity secret.</summary>
internal sealed record WidgetIdentity([property: Required] string? UserId, [property: Required] string? UserHash, string? Name, string? Email)
{
    public override string ToString() => $"WidgetIdentity {{ UserId = {UserId} }}";
}

/// <summary>A visitor's message: text, files uploaded through <c>POST /v2/widget/attachments</c>, or both.</summary>
internal sealed record WidgetMessageRequest(
    [property: Description("Required unless the message carries attachments.")] string? Text,
    Guid? ClientMessageId,
    [property: Description("Up to 10 files the visitor uploaded into this conversation and not yet on a message.")] IReadOnlyList<Guid>? AttachmentIds);

/// <summary>Start a conversation from the widget.</summary>
internal sealed record WidgetStartRequest(string? Name, string? Locale, WidgetIdentity? Identity);

/// <summary>Continue a conversation: from the cookie, or as a verified user.</summary>
internal sealed record WidgetSessionRequest(WidgetIdentity? Identity);

/// <summary>The customer the conversation now belongs to.</summary>
internal sealed record WidgetIdentityResponse(Guid CustomerId);
