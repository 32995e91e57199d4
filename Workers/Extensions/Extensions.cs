using OmniChat.Core.Caching;
using OmniChat.Core.Messaging;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Extensions;

internal static class Extensions
{
    // Workers dispatch the outbox across tenants (system scope), consume from RabbitMQ and throttle senders in Redis.
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence(withSystemScope: true);
        builder.AddOmniChatRedis();
        builder.AddOmniChatMessaging();
    }
}
