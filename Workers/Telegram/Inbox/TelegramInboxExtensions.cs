using Microsoft.Extensions.DependencyInjection.Extensions;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Realtime;
using StackExchange.Redis;

namespace OmniChat.Workers.Telegram.Inbox;

internal static class TelegramInboxExtensions
{
    /// <summary>
    /// The Telegram inbox: processes the updates the Api stored (needs persistence with the system scope, Redis, the
    /// Telegram sender and the channel secrets, registered beside it). Woken by the Api over Redis, polling besides.
    /// </summary>
    public static IHostApplicationBuilder AddTelegramInbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelegramOptions>()
            .Validate(o => o.InboxConcurrency > 0 && o.InboxPerTenantConcurrency > 0 && o.InboxPerTenantConcurrency <= o.InboxConcurrency,
                "Telegram:InboxConcurrency and InboxPerTenantConcurrency must be positive, the per-tenant one at most the total")
            .Validate(o => o.InboxMaxAttempts > 0 && o.InboxPollInterval > TimeSpan.Zero && o.InboxRetryBaseDelay > TimeSpan.Zero
                           && o.InboxRetryMaxDelay >= o.InboxRetryBaseDelay,
                "Telegram:InboxMaxAttempts, InboxPollInterval and InboxRetryBaseDelay must be positive, InboxRetryMaxDelay at least the base delay")
            .Validate(o => o.InboxLease > o.RequestTimeout, "Telegram:InboxLease must be longer than RequestTimeout");
        // The write path agents and customers go through, as in the Api.
        builder.Services.TryAddSingleton<IRealtimePublisher, RedisRealtimePublisher>();
        builder.Services.TryAddSingleton<ConversationWriter>();
        builder.Services.AddSingleton<TelegramInboxSignal>();
        builder.Services.AddSingleton<TelegramAgents>();
        builder.Services.AddSingleton<InboundTemplates>();
        builder.Services.AddSingleton<InboundEdits>();
        builder.Services.AddSingleton<InboundFiles>();
        builder.Services.AddSingleton<SupportGroupInbound>();
        builder.Services.AddSingleton<PrivateChatInbound>();
        builder.Services.AddSingleton<TelegramUpdateHandler>();
        builder.Services.AddHostedService<TelegramInboxWakeListener>();
        builder.Services.AddHostedService<TelegramInboxProcessor>();
        return builder;
    }
}

/// <summary>Wakes the inbox processor when the Api says it stored an update (<see cref="TelegramInbox.WakeChannel"/>).</summary>
internal sealed partial class TelegramInboxWakeListener(IConnectionMultiplexer redis, TelegramInboxSignal signal, ILogger<TelegramInboxWakeListener> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(TelegramInbox.WakeChannel, (_, _) => signal.Wake());
        }
        catch (RedisException ex)
        {
            // Polling still finds every update; only promptness is lost until the next start.
            LogSubscribeFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().UnsubscribeAsync(TelegramInbox.WakeChannel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the Telegram inbox wake-ups; polling only")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
