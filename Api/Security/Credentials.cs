namespace OmniChat.Api.Security;

/// <summary>The credentials the Api accepts; each is a security scheme of the OpenAPI document.</summary>
internal enum Credential
{
    /// <summary>Nothing: anyone may call (<c>security: []</c>).</summary>
    None,

    /// <summary>The visitor's conversation token (<c>Authorization: Bearer &lt;JWT&gt;</c>).</summary>
    ConversationToken,

    /// <summary>The visitor's refresh token, in the request body; no header credential (<c>security: []</c>).</summary>
    RefreshToken,

    /// <summary>Any valid API key of the tenant, whatever its scopes.</summary>
    ApiKey,

    /// <summary>The Telegram webhook secret of the channel in the route (<c>X-Telegram-Bot-Api-Secret-Token</c>).</summary>
    TelegramWebhookSecret,

    /// <summary>The billing provider's signature of the body (<c>Billing-Signature</c>, HMAC-SHA256 with the provider's webhook secret).</summary>
    BillingSignature,

    /// <summary>The platform operator's token (<c>Security__OperatorToken</c>, <c>Authorization: Bearer</c>).</summary>
    OperatorToken,
}

/// <summary>
/// Endpoint metadata: the credential an endpoint takes when nothing else says so. <see cref="AccessFilters.RequireScope"/>
/// (API key with a scope) and <see cref="AccessFilters.RequireServiceToken"/> declare theirs already; the OpenAPI document
/// refuses to build when an operation declares none.
/// </summary>
internal sealed record CredentialMetadata(IReadOnlyList<Credential> Credentials);

internal static class CredentialEndpointExtensions
{
    /// <summary>
    /// Declares the endpoint's credential, or its alternatives (any one of them is enough). Metadata only: the handler or a
    /// tenant strategy checks it.
    /// </summary>
    public static TBuilder WithCredential<TBuilder>(this TBuilder builder, params Credential[] credentials) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new CredentialMetadata(credentials));
}
