using Microsoft.Extensions.DependencyInjection.Extensions;
using OmniChat.Core.Attachments;
using OmniChat.Core.Billing;
using OmniChat.Core.Caching;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Retention;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Messaging;
using OmniChat.Core.Outbox;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;
using OmniChat.Core.Security;
using OmniChat.Core.Security.KeyRing;
using OmniChat.Core.Webhooks;
using OmniChat.Workers.Billing;
using OmniChat.Workers.Outbox;
using OmniChat.Workers.Retention;
using OmniChat.Workers.Usage;
using OmniChat.Workers.Telemetry;
using OmniChat.Workers.Telegram;
using OmniChat.Workers.Telegram.Delivery;
using OmniChat.Workers.Telegram.Inbox;
using OmniChat.Workers.Webhooks;

namespace OmniChat.Workers.Extensions;

internal static class Extensions
{
    // Workers dispatch the outbox across tenants (system scope), consume from RabbitMQ and throttle senders in Redis.
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence(withSystemScope: true);
        builder.AddOmniChatRedis();
        builder.AddOmniChatTelegram();
        builder.AddOmniChatWebhooks();
        // The operator endpoints (cross-tenant dead letters) are served here, with their own credential.
        builder.AddOmniChatOperatorToken();
        builder.Services.AddSingleton<DeadLetters>();
        builder.AddOmniChatKeyRing();
        builder.AddOmniChatMessaging(bus =>
        {
            bus.AddConsumer<WebhookFanOutConsumer>(typeof(WebhookFanOutConsumerDefinition));
            bus.AddConsumer<TelegramFanOutConsumer>(typeof(TelegramFanOutConsumerDefinition));
            bus.AddConsumer<UsageMeterConsumer>(typeof(UsageMeterConsumerDefinition));
        });
        builder.Services.AddSingleton<TelegramChannelSecrets>();
        builder.Services.AddSingleton<TelegramDeliverySignal>();
        builder.Services.AddSingleton<TelegramChannelFailures>();
        builder.Services.AddSingleton<TelegramDeliveryExecutor>();
        builder.Services.AddHostedService<TelegramDeliverySender>();
        builder.AddTelegramInbox();
        // Files cross to and from Telegram: uploads are read for the topic, what agents send there is stored (same storage as the Api).
        builder.AddOmniChatAttachments();
        builder.Services.TryAddSingleton<PlanCatalog>();
        builder.Services.AddSingleton<WebhookSenderSignal>();
        builder.Services.AddSingleton<LimitNotices>();
        builder.Services.AddHostedService<WebhookSender>();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section)
            .Validate(o => o.Dispatchers > 0 && o.PartitionsPerBatch > 0 && o.RowsPerBatch > 0 && o.PublishConcurrency > 0, "Outbox settings must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<IOutboxPublisher, MassTransitOutboxPublisher>();
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService<OutboxDispatchService>();
        builder.Services.AddHostedService<EventStreamSequencer>();
        // Tenants whose grace period after a failed payment ran out are suspended here (system scope).
        builder.AddOmniChatBilling();
        builder.Services.AddSingleton<BillingSuspension>();
        builder.Services.AddHostedService<BillingGraceSweeper>();
        // Each tenant's retention period, applied in small batches in its own scope.
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName)
            .Validate(o => o.BatchSize > 0 && o.Interval > TimeSpan.Zero, "Retention__BatchSize and Retention__Interval must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<RetentionSweep>();
        builder.Services.AddHostedService<RetentionService>();
        // Platform gauges (outbox lag, dead letters, queue depths, unanswered, usage of limits), sampled here, served on /metrics.
        builder.Services.AddOptions<PlatformGaugeOptions>().BindConfiguration(PlatformGaugeOptions.Section)
            .Validate(o => o.SampleInterval > TimeSpan.Zero && o.UsageSampleInterval > TimeSpan.Zero, "Metrics sample intervals must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxBacklog>();
        builder.Services.AddSingleton<QueueDepths>();
        builder.Services.AddSingleton<PlatformGauges>();
        builder.Services.AddHostedService<PlatformGaugeSampler>();
    }
}
