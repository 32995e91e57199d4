using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.RateLimiting;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>Registers the Telegram sender (needs Redis: <c>AddOmniChatRedis</c>).</summary>
public static class TelegramExtensions
{
    public static IHostApplicationBuilder AddOmniChatTelegram(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section)
            .Validate(o => o.ApiBaseUrl.IsAbsoluteUri && o.ApiBaseUrl.Scheme is "http" or "https", "Telegram:ApiBaseUrl must be an absolute http(s) URL")
            .Validate(o => o.PerBotPerSecond > 0 && o.PerBotBurst > 0 && o.PerChatPerMinute > 0 && o.PerGroupPerMinute > 0 && o.PerGroupBurst > 0,
                "Telegram rate limits must be positive")
            .Validate(o => o.MaxAttempts > 0 && o.RetryBaseDelay > TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero, "Telegram retry settings must be positive")
            .Validate(o => o.SenderConcurrency > 0 && o.SenderPerTenantConcurrency > 0 && o.SenderPerTenantConcurrency <= o.SenderConcurrency,
                "Telegram:SenderConcurrency and SenderPerTenantConcurrency must be positive, the per-tenant one at most the total")
            .Validate(o => o.DeliveryPollInterval > TimeSpan.Zero && o.DeliveryLease > o.RequestTimeout,
                "Telegram:DeliveryPollInterval must be positive and DeliveryLease longer than RequestTimeout")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<RedisRateLimiter>();
        builder.Services.AddSingleton<TelegramSender>();
        return builder;
    }

    /// <summary>
    /// Registers what connecting and managing a tenant's channel needs (the Api): the setup client, the protected secrets
    /// (needs <c>AddOmniChatKeyRing</c>) and the connector.
    /// </summary>
    public static IHostApplicationBuilder AddOmniChatTelegramChannels(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section)
            .Validate(o => o.PublicBaseUrl is null || (o.PublicBaseUrl.IsAbsoluteUri && o.PublicBaseUrl.Scheme is "http" or "https"),
                "Telegram:PublicBaseUrl must be an absolute http(s) URL")
            .Validate(o => o.WebhookSecretOverlap >= TimeSpan.Zero, "Telegram:WebhookSecretOverlap must not be negative");
        builder.Services.TryAddSingleton<TelegramSetupClient>();
        builder.Services.TryAddSingleton<TelegramChannelSecrets>();
        builder.Services.AddScoped<TelegramChannelConnector>();
        builder.Services.AddScoped<TelegramInbox>();
        return builder;
    }
}
