namespace OmniChat.Api.Errors;

/// <summary>A stable problem <c>code</c>, the HTTP status it comes with, and what it means to the caller.</summary>
internal sealed record ProblemCode(string Code, int Status, string Meaning);

/// <summary>
/// Every <c>code</c> an Api problem can carry: the OpenAPI document's <c>ProblemDetails.code</c> enum and the per-operation
/// responses are built from this list, and a test fails when Core or the Api throws a code that is not here.
/// </summary>
internal static class ProblemCodes
{
    // Malformed input, for any operation that reads a body or parameters.
    public static readonly ProblemCode ValidationFailed = new("validation_failed", 400, "A field or parameter breaks its rules; `errors` names them.");
    public static readonly ProblemCode InvalidJson = new("invalid_json", 400, "The body is not valid JSON for this operation.");
    public static readonly ProblemCode BadRequest = new("bad_request", 400, "The request cannot be read (for example a parameter of the wrong type).");
    public static readonly ProblemCode PayloadTooLarge = new("payload_too_large", 413, "The body is larger than 64 KB.");
    public static readonly ProblemCode UnsupportedMediaType = new("unsupported_media_type", 415,
        "The body is not sent as application/json (multipart/form-data for uploads), or an upload's content is not a type the tenant accepts or not what it claims to be (`types` lists the accepted ones).");

    // Credentials.
    public static readonly ProblemCode Unauthorized = new("unauthorized", 401, "A valid API key is required.");
    public static readonly ProblemCode InvalidToken = new("invalid_token", 401, "The conversation token is missing, expired, or for another conversation.");
    public static readonly ProblemCode InvalidRefreshToken = new("invalid_refresh_token", 401, "The refresh token is unknown, expired or revoked.");
    public static readonly ProblemCode RefreshTokenReused = new("refresh_token_reused", 401, "The refresh token was already used; its whole family is revoked.");
    public static readonly ProblemCode InvalidServiceToken = new("invalid_service_token", 401, "The v1 admin service token is missing or wrong.");
    public static readonly ProblemCode TelegramSecretInvalid = new("telegram_secret_invalid", 401, "The Telegram webhook secret header is missing or wrong.");
    public static readonly ProblemCode IdentityInvalid = new("identity_invalid", 401, "The widget's userHash is not the HMAC-SHA256 of userId with the identity secret (or the widget has none).");
    public static readonly ProblemCode OriginNotAllowed = new("origin_not_allowed", 403, "The browser's Origin is not on the tenant's widget allowlist.");
    public static readonly ProblemCode ScopeMissing = new("scope_missing", 403, "The API key lacks the scope the operation needs (`scope` names it).");
    public static readonly ProblemCode TenantSuspended = new("tenant_suspended", 403, "The tenant is suspended.");
    public static readonly ProblemCode ScopeNotHeld = new("scope_not_held", 403, "A key cannot grant scopes it does not hold (`scopes` lists them).");
    public static readonly ProblemCode ExpiryBeyondCaller = new("expiry_beyond_caller", 403, "A key cannot create a key that outlives it (`maxExpiresAt`).");
    public static readonly ProblemCode KeyBroaderThanCaller = new("key_broader_than_caller", 403, "A key cannot revoke a key with scopes it lacks (`scopes`).");
    public static readonly ProblemCode Forbidden = new("forbidden", 403, "Not allowed.");
    public static readonly ProblemCode AttachmentLinkInvalid = new("attachment_link_invalid", 403, "The download link is expired or was altered; ask for a new one.");

    // Things that do not exist for this tenant (another tenant's ids answer the same).
    public static readonly ProblemCode NotFound = new("not_found", 404, "Nothing here.");
    public static readonly ProblemCode ConversationNotFound = new("conversation_not_found", 404, "The conversation does not exist.");
    public static readonly ProblemCode ApiKeyNotFound = new("api_key_not_found", 404, "The API key does not exist.");
    public static readonly ProblemCode TemplateNotFound = new("template_not_found", 404, "No text for this template key.");
    public static readonly ProblemCode WebhookNotFound = new("webhook_not_found", 404, "The webhook subscription does not exist.");
    public static readonly ProblemCode DeliveryNotFound = new("delivery_not_found", 404, "The webhook delivery does not exist.");
    public static readonly ProblemCode ChannelNotFound = new("channel_not_found", 404, "No Telegram channel is connected.");
    public static readonly ProblemCode TenantNotFound = new("tenant_not_found", 404, "No such tenant (or not the API key's own).");
    public static readonly ProblemCode SiteKeyNotFound = new("site_key_not_found", 404, "No website widget has this site key.");
    public static readonly ProblemCode WidgetNotConfigured = new("widget_not_configured", 404, "The website widget is not set up yet.");
    public static readonly ProblemCode NoSession = new("no_session", 404, "No widget conversation to continue (no valid cookie, no verified user with one).");
    public static readonly ProblemCode AttachmentNotFound = new("attachment_not_found", 404, "The attachment does not exist in this conversation (`attachmentId` names it when a message referred to it).");
    public static readonly ProblemCode MethodNotAllowed = new("method_not_allowed", 405, "The route does not take this method.");

    // State conflicts.
    public static readonly ProblemCode Conflict = new("conflict", 409, "The request conflicts with the current state.");
    public static readonly ProblemCode ConversationClosed = new("conversation_closed", 409, "The conversation is closed.");
    public static readonly ProblemCode ConversationChanged = new("conversation_changed", 409, "The conversation changed while writing; retry.");
    public static readonly ProblemCode AlreadyClaimed = new("already_claimed", 409, "Another agent claimed the conversation first.");
    public static readonly ProblemCode NotClaimed = new("not_claimed", 409, "The conversation is claimed by another agent, or must be claimed before replying.");
    public static readonly ProblemCode WebhookLimit = new("webhook_limit", 409, "The tenant has the most webhook subscriptions it can have.");
    public static readonly ProblemCode IdentityMismatch = new("identity_mismatch", 409, "The conversation belongs to another verified user; start a new one.");
    public static readonly ProblemCode TelegramBotInUse = new("telegram_bot_in_use", 409, "The bot is connected to another OmniChat workspace.");
    public static readonly ProblemCode AttachmentAlreadyLinked = new("attachment_already_linked", 409, "The attachment is already on a message; upload it again to send it again.");

    // Limits.
    public static readonly ProblemCode LimitExceeded = new("limit_exceeded", 402,
        "The tenant reached a hard limit of its plan (`limit`, `used`, `max`). A monthly limit resets at `resetsAt`; for `agents` and `storageBytes` (no `resetsAt`) only freeing some or a larger plan makes room. Existing conversations keep working.");
    public static readonly ProblemCode RateLimited = new("rate_limited", 429, "Too many requests; retry after `Retry-After` seconds.");
    public static readonly ProblemCode TooManyStreams = new("too_many_streams", 429, "The tenant or the API key has as many open event streams as it may.");
    public static readonly ProblemCode AttachmentTooLarge = new("attachment_too_large", 413, "The file is larger than the plan allows (`maxBytes`); nothing was stored.");

    // Telegram.
    public static readonly ProblemCode TelegramUpdateInvalid = new("telegram_update_invalid", 400, "The webhook body is not a Telegram update.");
    public static readonly ProblemCode TelegramTokenInvalid = new("telegram_token_invalid", 400, "Telegram does not accept the bot token.");
    public static readonly ProblemCode TelegramGroupNotFound = new("telegram_group_not_found", 400, "Telegram does not know the support group, or the bot is not in it.");
    public static readonly ProblemCode TelegramGroupNotForum = new("telegram_group_not_forum", 400, "The support group is not a supergroup with Topics.");
    public static readonly ProblemCode TelegramBotNotAdmin = new("telegram_bot_not_admin", 400, "The bot is not an administrator allowed to manage topics.");
    public static readonly ProblemCode TelegramRejected = new("telegram_rejected", 400, "Telegram refused a setup call.");
    public static readonly ProblemCode TelegramUnavailable = new("telegram_unavailable", 502, "Telegram did not answer; try again.");
    public static readonly ProblemCode TelegramNotConfigured = new("telegram_not_configured", 503, "This installation has no public URL for Telegram webhooks.");

    // Billing provider webhooks.
    public static readonly ProblemCode BillingSignatureInvalid = new("billing_signature_invalid", 400, "The `Billing-Signature` header is missing or does not match the body; nothing was stored.");
    public static readonly ProblemCode BillingSignatureStale = new("billing_signature_stale", 400, "The `Billing-Signature` timestamp is outside the replay window (5 minutes); nothing was stored.");
    public static readonly ProblemCode BillingProviderUnknown = new("billing_provider_unknown", 404, "No billing provider by this name sends webhooks to this installation.");

    public static readonly ProblemCode DeepHealthFailed = new("deep_health_failed", 503, "A step of the deep health check failed or did not finish in time.");

    public static readonly ProblemCode InternalError = new("internal_error", 500, "An unexpected error; the request id helps support find it.");

    /// <summary>Every code, in the order above.</summary>
    public static readonly IReadOnlyList<ProblemCode> All =
    [
        ValidationFailed, InvalidJson, BadRequest, PayloadTooLarge, UnsupportedMediaType,
        Unauthorized, InvalidToken, InvalidRefreshToken, RefreshTokenReused, InvalidServiceToken, TelegramSecretInvalid,
        ScopeMissing, TenantSuspended, ScopeNotHeld, ExpiryBeyondCaller, KeyBroaderThanCaller, Forbidden, AttachmentLinkInvalid,
        NotFound, ConversationNotFound, ApiKeyNotFound, TemplateNotFound, WebhookNotFound, DeliveryNotFound, ChannelNotFound, TenantNotFound,
        AttachmentNotFound,
        MethodNotAllowed,
        Conflict, ConversationClosed, ConversationChanged, AlreadyClaimed, NotClaimed, WebhookLimit, TelegramBotInUse, AttachmentAlreadyLinked,
        LimitExceeded, RateLimited, TooManyStreams, AttachmentTooLarge,
        TelegramUpdateInvalid, TelegramTokenInvalid, TelegramGroupNotFound, TelegramGroupNotForum, TelegramBotNotAdmin, TelegramRejected,
        TelegramUnavailable, TelegramNotConfigured,
        DeepHealthFailed, InternalError,
        IdentityInvalid, OriginNotAllowed, SiteKeyNotFound, WidgetNotConfigured, NoSession, IdentityMismatch,
        BillingSignatureInvalid, BillingSignatureStale, BillingProviderUnknown,
    ];
}

/// <summary>Endpoint metadata: problems this endpoint can answer besides those its credential, body and route imply.</summary>
internal sealed record ProblemCodesMetadata(IReadOnlyList<ProblemCode> Codes);

/// <summary>Declares an endpoint's own problem codes for the OpenAPI document (metadata only; nothing changes at run time).</summary>
internal static class ProblemCodeEndpointExtensions
{
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params ProblemCode[] codes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemCodesMetadata(codes));
}
