using System.Text.Json;
using OmniChat.Core;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using StackExchange.Redis;

namespace OmniChat.AdminPortal.Inbox;

/// <summary>
/// Typing signals between the conversation view and the visitor, over the tenant's realtime channel in Redis (where the
/// realtime hub passes them on): the visitor's <c>typing</c> is shown in the view, an agent's typing in the view reaches
/// the visitor's widget. Ephemeral, never stored.
/// </summary>
internal sealed partial class TypingSignals(IConnectionMultiplexer redis, IRealtimePublisher publisher, TimeProvider time, ILogger<TypingSignals> logger)
{
    /// <summary>Sender id of the portal's signals (the hub does not send a signal back to the socket it came from).</summary>
    private const string Sender = "portal";

    /// <summary>Calls <paramref name="onVisitorTyping"/> when the visitor of <paramref name="conversationId"/> types. Dispose to stop.</summary>
    public async Task<IAsyncDisposable> WatchVisitorAsync(Guid tenantId, Guid conversationId, Action onVisitorTyping)
    {
        var channel = RedisChannel.Literal(RealtimeChannels.Tenant(tenantId));
        var subscriber = redis.GetSubscriber();
        void OnMessage(RedisChannel _, RedisValue message)
        {
            var text = (string?)message;
            if (text is null || !text.StartsWith("{\"type\":\"typing\"", StringComparison.Ordinal))
            {
                return;
            }
            try
            {
                if (JsonSerializer.Deserialize(text, CoreJson.Default.RealtimeEvent) is { From: "visitor" } typing && typing.ConversationId == conversationId)
                {
                    onVisitorTyping();
                }
            }
            catch (JsonException)
            {
                // Not a signal of ours.
            }
        }
        try
        {
            await subscriber.SubscribeAsync(channel, OnMessage);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogTypingUnavailable(logger, ex);
        }
        return new Subscription(subscriber, channel, OnMessage);
    }

    /// <summary>Tells the visitor that <paramref name="agent"/> is typing (the caller throttles).</summary>
    public Task AgentTypingAsync(TenantInfo tenant, Guid conversationId, string agent)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return publisher.PublishAsync(new RealtimeEvent(RealtimeEvent.Typing, tenant.Id, conversationId, time.GetUtcNow())
        {
            From = "agent",
            Agent = agent,
            Sender = Sender,
        });
    }

    private sealed class Subscription(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await subscriber.UnsubscribeAsync(channel, handler, CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The subscription ends with the connection.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Typing signals unavailable (Redis); the conversation view works without them")]
    private static partial void LogTypingUnavailable(ILogger logger, Exception exception);
}
