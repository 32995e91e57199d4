using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OmniChat.Core.Security;

/// <summary>Platform secrets (section <c>Security</c>; seed aliases <c>CONVERSATION_JWT_SECRET</c>, <c>SERVICE_TOKEN</c>).</summary>
public sealed class SecurityOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Security";

    /// <summary>Shortest accepted secret, in characters.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>HS256 key of conversation tokens. Never the same as <see cref="ServiceToken"/>.</summary>
    public string? ConversationJwtSecret { get; set; }

    /// <summary>Bearer token of the legacy v1 admin API.</summary>
    public string? ServiceToken { get; set; }

    /// <summary>Whether <paramref name="presented"/> is the service token (constant-time; never true when none is configured).</summary>
    public bool IsServiceToken(string? presented) => SecretEquals(ServiceToken, presented);

    /// <summary>Platform key webhook secrets are derived from (<c>WEBHOOK_SIGNING_KEY</c>); needed where webhooks are created or sent.</summary>
    public string? WebhookSigningKey { get; set; }

    /// <summary>
    /// Bearer token of the platform operator's cross-tenant endpoints (<c>Security__OperatorToken</c>). Never the same as
    /// any other secret: the service token in particular is the <c>default</c> tenant's credential, held by its integrators.
    /// </summary>
    public string? OperatorToken { get; set; }

    /// <summary>Whether <paramref name="presented"/> is the operator token (constant-time; never true when none is configured).</summary>
    public bool IsOperatorToken(string? presented) => SecretEquals(OperatorToken, presented);

    /// <summary>Whether the operator token, when set, differs from every other configured secret.</summary>
    internal bool OperatorTokenIsDistinct() =>
        OperatorToken is null || (OperatorToken != ServiceToken && OperatorToken != ConversationJwtSecret && OperatorToken != WebhookSigningKey);

    private static bool SecretEquals(string? expected, string? presented) =>
        expected is { Length: > 0 } && presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}

/// <summary>Registers <see cref="SecurityOptions"/> with start-time validation.</summary>
public static class SecurityOptionsExtensions
{
    private const string OperatorTokenMustDiffer =
        "Security__OperatorToken must differ from SERVICE_TOKEN, CONVERSATION_JWT_SECRET and WEBHOOK_SIGNING_KEY";

    /// <summary>Binds and validates the platform secrets: a missing or short one stops the service naming it. A service that
    /// never serves the v1 admin API passes <paramref name="requireServiceToken"/> false and needs no SERVICE_TOKEN.</summary>
    public static IHostApplicationBuilder AddOmniChatSecrets(this IHostApplicationBuilder builder, bool requireServiceToken = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SecurityOptions>()
            .BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.ConversationJwtSecret is { Length: >= SecurityOptions.MinimumSecretLength },
                $"missing required setting CONVERSATION_JWT_SECRET (Security__ConversationJwtSecret, at least {SecurityOptions.MinimumSecretLength} characters)")
            .Validate(o => !requireServiceToken || o.ServiceToken is { Length: >= SecurityOptions.MinimumSecretLength },
                $"missing required setting SERVICE_TOKEN (Security__ServiceToken, at least {SecurityOptions.MinimumSecretLength} characters)")
            .Validate(o => o.ConversationJwtSecret is null || o.ConversationJwtSecret != o.ServiceToken,
                "CONVERSATION_JWT_SECRET must differ from SERVICE_TOKEN")
            .Validate(o => o.OperatorTokenIsDistinct(), OperatorTokenMustDiffer)
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Requires the operator token (<c>Security__OperatorToken</c>, at least <see cref="SecurityOptions.MinimumSecretLength"/>
    /// characters, different from every other secret), in the service that serves the operator endpoints.
    /// </summary>
    public static IHostApplicationBuilder AddOmniChatOperatorToken(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SecurityOptions>()
            .BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.OperatorToken is { Length: >= SecurityOptions.MinimumSecretLength },
                $"missing required setting Security__OperatorToken (at least {SecurityOptions.MinimumSecretLength} characters)")
            .Validate(o => o.OperatorTokenIsDistinct(), OperatorTokenMustDiffer)
            .ValidateOnStart();
        return builder;
    }
}
