using System.Text.Json.Serialization;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// The shape of <c>.omnichat/credentials.json</c>: the machine-readable handle for people, scripts and tests.
/// Fields are only ever added, never renamed or removed.
/// </summary>
public sealed record Credentials(
    CredentialServices Services,
    CredentialConnectionStrings ConnectionStrings,
    string ServiceToken,
    OperatorCredentials Operator,
    IReadOnlyList<CredentialTenant> Tenants)
{
    /// <summary>The billing provider's webhook: where it posts, its name, and the secret it signs with (docs/billing.md).</summary>
    public CredentialBilling? Billing { get; init; }
}

/// <summary>
/// Post billing events to <see cref="WebhookUrl"/> with <c>Billing-Signature: t=…,v1=…</c> (HMAC-SHA256 of <c>t.body</c>
/// with <see cref="WebhookSecret"/>).
/// </summary>
public sealed record CredentialBilling(string Provider, string WebhookSecret, string WebhookUrl);

public sealed record CredentialServices(
    string Api,
    string Realtime,
    string AdminPortal,
    string Workers,
    string TelegramSandbox);

public sealed record CredentialConnectionStrings(
    string Postgres,
    string PostgresOwner,
    string PostgresSystem,
    string Redis,
    [property: JsonPropertyName("rabbitmq")] string RabbitMq);

public sealed record Login(string Email, string Password);

/// <summary>The operator's portal login and the bearer token of the operator endpoints (never the service token).</summary>
public sealed record OperatorCredentials(string Email, string Password, string Token);

public sealed record CredentialTenant(string Identifier, Guid Id, string Name, string ApiKey, Login Admin)
{
    /// <summary>The tenant's sandbox bot and support group, connected through <c>PUT /v2/channels/telegram</c> (when the sandbox runs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CredentialTelegram? Telegram { get; init; }

    /// <summary>The tenant's website widget: the install snippet's site key, and the secret its server signs user ids with.</summary>
    public string? SiteKey { get; init; }

    /// <summary>Identity verification: <c>userHash</c> = hex HMAC-SHA256 of the user id with this secret.</summary>
    public string? IdentitySecret { get; init; }
}

/// <summary>A seeded tenant's website widget.</summary>
public sealed record CredentialWidget(string SiteKey, string IdentitySecret);

/// <summary>
/// A seeded tenant's Telegram channel in the sandbox: post updates to <see cref="WebhookUrl"/> with header
/// <c>X-Telegram-Bot-Api-Secret-Token: </c><see cref="HeaderSecret"/>, act as people through the sandbox's control API.
/// </summary>
public sealed record CredentialTelegram(Guid ChannelId, long BotId, string BotToken, long SupportGroupId, string WebhookUrl, string HeaderSecret);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Credentials))]
internal sealed partial class CredentialsJson : JsonSerializerContext;
