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
    public bool IsServiceToken(string? presented) =>
        ServiceToken is { Length: > 0 } expected && presented is not null
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(expected));

    /// <summary>Platform key webhook secrets are derived from (<c>WEBHOOK_SIGNING_KEY</c>); needed where webhooks are created or sent.</summary>
    public string? WebhookSigningKey { get; set; }
}

/// <summary>Registers <see cref="SecurityOptions"/> with start-time validation.</summary>
public static class SecurityOptionsExtensions
{
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
            .ValidateOnStart();
        return builder;
    }
}
