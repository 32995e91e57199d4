using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Security;

namespace OmniChat.Core.Webhooks;

/// <summary>Registers what creating and sending webhooks needs: options, secret derivation and the SSRF guard.</summary>
public static class WebhookExtensions
{
    /// <summary>Adds <see cref="WebhookOptions"/>, <see cref="WebhookSigning"/> (requires <c>WEBHOOK_SIGNING_KEY</c>), <see cref="WebhookTargetPolicy"/> and <see cref="WebhookSubscriptions"/>.</summary>
    public static IHostApplicationBuilder AddOmniChatWebhooks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.RetryWindow > TimeSpan.Zero && o.BaseDelay > TimeSpan.Zero && o.Concurrency > 0 && o.PerTenantConcurrency > 0, "Webhook retry settings must be positive")
            .ValidateOnStart();
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.WebhookSigningKey is { Length: >= SecurityOptions.MinimumSecretLength },
                $"missing required setting WEBHOOK_SIGNING_KEY (Security__WebhookSigningKey, at least {SecurityOptions.MinimumSecretLength} characters)")
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookSigning>();
        builder.Services.AddSingleton<WebhookTargetPolicy>();
        builder.Services.AddScoped<WebhookSubscriptions>();
        return builder;
    }
}
