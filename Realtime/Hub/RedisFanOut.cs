using System.Text.Json;
using OmniChat.Core;
using OmniChat.Core.Realtime;
using StackExchange.Redis;

namespace OmniChat.Realtime.Hub;

/// <summary>Something that receives the events of a channel: a socket.</summary>
internal interface IEventSink
{
    /// <summary>Takes an event without blocking (the Redis reader thread must never wait for a socket).</summary>
    void Deliver(LiveEvent liveEvent);

    /// <summary>Redis came back after an outage: publishes may have been lost, so look in PostgreSQL.</summary>
    void CatchUp();
}

/// <summary>
/// This instance's Redis subscriptions. A channel is subscribed while at least one local socket listens to it; each
/// message is decoded once, framed once per protocol, and handed to every local socket in the order Redis delivered it
/// (one ordered queue per channel). Instances share nothing but Redis, so any socket can land on any instance.
/// </summary>
internal sealed partial class RedisFanOut
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<RedisFanOut> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    public RedisFanOut(IConnectionMultiplexer redis, ILogger<RedisFanOut> logger)
    {
        _redis = redis;
        _logger = logger;
        _redis.ConnectionRestored += (_, args) =>
        {
            if (args.ConnectionType == ConnectionType.Subscription)
            {
                LogRestored(_logger);
                foreach (var sink in Snapshot())
                {
                    sink.CatchUp();
                }
            }
        };
    }

    /// <summary>Number of channels this instance listens to.</summary>
    public int ChannelCount
    {
        get
        {
            lock (_gate)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="sink"/> to <paramref name="channel"/>; completes once Redis confirmed the subscription.</summary>
    public async Task<IDisposable> JoinAsync(string channel, IEventSink sink)
    {
        Group group;
        lock (_gate)
        {
            if (!_groups.TryGetValue(channel, out group!))
            {
                group = new Group(this, channel);
                _groups.Add(channel, group);
                group.Subscribed = SubscribeAsync(group);
            }
            group.Sinks = group.Sinks.Add(sink);
        }
        var membership = new Membership(this, group, sink);
        try
        {
            await group.Subscribed;
        }
        catch
        {
            membership.Dispose();
            throw;
        }
        return membership;
    }

    private async Task SubscribeAsync(Group group)
    {
        var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(group.Channel));
        group.Queue = queue;
        queue.OnMessage(message => group.Dispatch(message.Message));
    }

    private void Leave(Group group, IEventSink sink)
    {
        ChannelMessageQueue? unsubscribe = null;
        lock (_gate)
        {
            group.Sinks = group.Sinks.Remove(sink);
            if (group.Sinks.IsEmpty && _groups.TryGetValue(group.Channel, out var current) && ReferenceEquals(current, group))
            {
                _groups.Remove(group.Channel);
                unsubscribe = group.Queue;
            }
        }
        if (unsubscribe is not null)
        {
            // Only this group's queue: a new group for the same channel keeps its own subscription.
            _ = unsubscribe.UnsubscribeAsync(CommandFlags.FireAndForget);
        }
        else if (group.Sinks.IsEmpty && group.Queue is null)
        {
            // Left before the subscription completed: drop it once it does.
            _ = group.Subscribed.ContinueWith(_ => group.Queue?.UnsubscribeAsync(CommandFlags.FireAndForget), TaskScheduler.Default);
        }
    }

    private List<IEventSink> Snapshot()
    {
        lock (_gate)
        {
            return [.. _groups.Values.SelectMany(g => g.Sinks)];
        }
    }

    private sealed class Group(RedisFanOut owner, string channel)
    {
        public string Channel => channel;

        public System.Collections.Immutable.ImmutableArray<IEventSink> Sinks { get; set; } = [];

        public Task Subscribed { get; set; } = Task.CompletedTask;

        public ChannelMessageQueue? Queue { get; set; }

        public void Dispatch(RedisValue payload)
        {
            RealtimeEvent? e;
            try
            {
                e = JsonSerializer.Deserialize((string)payload!, CoreJson.Default.RealtimeEvent);
            }
            catch (JsonException ex)
            {
                LogBadPayload(owner._logger, channel, ex);
                return;
            }
            if (e is null)
            {
                return;
            }
            var live = new LiveEvent(e);
            foreach (var sink in Sinks)
            {
                sink.Deliver(live);
            }
        }
    }

    private sealed class Membership(RedisFanOut owner, Group group, IEventSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(group, sink);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis subscriptions restored; sockets catch up from PostgreSQL")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an undecodable realtime payload on {Channel}")]
    private static partial void LogBadPayload(ILogger logger, string channel, Exception exception);
}
