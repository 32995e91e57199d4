using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OmniChat.Core.Realtime;

/// <summary>Publishes committed events to the realtime hubs.</summary>
public interface IRealtimePublisher
{
    /// <summary>Publishes <paramref name="realtimeEvent"/> on its tenant's channel. Never throws:
    /// a lost publish is recovered by the hubs' resume from PostgreSQL.</summary>
    Task PublishAsync(RealtimeEvent realtimeEvent);
}

/// <summary><see cref="IRealtimePublisher"/> over Redis pub/sub.</summary>
public sealed partial class RedisRealtimePublisher(IConnectionMultiplexer redis, ILogger<RedisRealtimePublisher> logger) : IRealtimePublisher
{
    /// <inheritdoc />
    public async Task PublishAsync(RealtimeEvent realtimeEvent)
    {
        ArgumentNullException.ThrowIfNull(realtimeEvent);
        var payload = JsonSerializer.Serialize(realtimeEvent, CoreJson.Default.RealtimeEvent);
        var subscriber = redis.GetSubscriber();
        try
        {
            // Fire-and-forget: the request does not wait for Redis's reply (order on the one connection is kept); a lost
            // publish is recovered by resume from PostgreSQL. One channel per tenant: hubs route to conversations locally.
            await subscriber.PublishAsync(RedisChannel.Literal(RealtimeChannels.Tenant(realtimeEvent.TenantId)), payload, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogPublishFailed(logger, realtimeEvent.Type, realtimeEvent.ConversationId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Realtime publish of {Type} for conversation {ConversationId} failed; clients recover on resume")]
    private static partial void LogPublishFailed(ILogger logger, string type, Guid conversationId, Exception exception);
}
