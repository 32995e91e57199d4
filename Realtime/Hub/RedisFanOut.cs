using System.Collections.Concurrent;
using System.Collections.Immutable;
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
/// This instance's Redis subscriptions: one per tenant with at least one local socket, on the tenant's channel (every event
/// of the tenant is published there). Each message is decoded once, framed once per protocol, and handed to the tenant's
/// agent sockets and to the sockets of its conversation, in the order Redis delivered it (one ordered queue per tenant,
/// so per conversation too). A socket therefore costs a dictionary entry here, not a Redis subscription with a queue of
/// its own (ADR 0012). Instances share nothing but Redis, so any socket can land on any instance.
/// </summary>
internal sealed partial class RedisFanOut
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<RedisFanOut> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TenantGroup> _groups = [];

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

    /// <summary>
    /// Adds <paramref name="sink"/> to the events of <paramref name="conversationId"/>, or to every event of the tenant when
    /// it is null; completes once Redis confirmed the tenant's subscription (at once when another socket already holds it).
    /// </summary>
    public async Task<IDisposable> JoinAsync(Guid tenantId, Guid? conversationId, IEventSink sink)
    {
        TenantGroup group;
        lock (_gate)
        {
            if (!_groups.TryGetValue(tenantId, out group!))
            {
                group = new TenantGroup(this, tenantId);
                _groups.Add(tenantId, group);
                group.Subscribed = SubscribeAsync(group);
            }
            group.Add(conversationId, sink);
        }
        var membership = new Membership(this, group, conversationId, sink);
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

    private async Task SubscribeAsync(TenantGroup group)
    {
        var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RealtimeChannels.Tenant(group.TenantId)));
        group.Queue = queue;
        queue.OnMessage(message => group.Dispatch(message.Message));
    }

    private void Leave(TenantGroup group, Guid? conversationId, IEventSink sink)
    {
        ChannelMessageQueue? unsubscribe = null;
        bool empty;
        lock (_gate)
        {
            empty = group.Remove(conversationId, sink);
            if (empty && _groups.TryGetValue(group.TenantId, out var current) && ReferenceEquals(current, group))
            {
                _groups.Remove(group.TenantId);
                unsubscribe = group.Queue;
            }
        }
        if (unsubscribe is not null)
        {
            // Only this group's queue: a new group for the same tenant keeps its own subscription.
            _ = unsubscribe.UnsubscribeAsync(CommandFlags.FireAndForget);
        }
        else if (empty && group.Queue is null)
        {
            // Left before the subscription completed: drop it once it does.
            _ = group.Subscribed.ContinueWith(_ => group.Queue?.UnsubscribeAsync(CommandFlags.FireAndForget), TaskScheduler.Default);
        }
    }

    private List<IEventSink> Snapshot()
    {
        lock (_gate)
        {
            return [.. _groups.Values.SelectMany(g => g.Sinks())];
        }
    }

    /// <summary>
    /// The local sockets of one tenant. Changed only under the owner's gate; <see cref="Dispatch"/> reads without it (the
    /// Redis queue calls it for one message at a time), seeing each conversation's sockets as an immutable array.
    /// </summary>
    private sealed class TenantGroup(RedisFanOut owner, Guid tenantId)
    {
        private readonly ConcurrentDictionary<Guid, ImmutableArray<IEventSink>> _conversations = new();
        private ImmutableArray<IEventSink> _tenantSinks = [];
        private int _count;

        public Guid TenantId => tenantId;

        public Task Subscribed { get; set; } = Task.CompletedTask;

        public ChannelMessageQueue? Queue { get; set; }

        public void Add(Guid? conversationId, IEventSink sink)
        {
            if (conversationId is { } id)
            {
                _conversations[id] = _conversations.TryGetValue(id, out var sinks) ? sinks.Add(sink) : [sink];
            }
            else
            {
                _tenantSinks = _tenantSinks.Add(sink);
            }
            _count++;
        }

        /// <summary>Removes <paramref name="sink"/>; true when the tenant has no local socket left.</summary>
        public bool Remove(Guid? conversationId, IEventSink sink)
        {
            if (conversationId is { } id)
            {
                if (_conversations.TryGetValue(id, out var sinks))
                {
                    var rest = sinks.Remove(sink);
                    if (rest.Length == sinks.Length)
                    {
                        return _count == 0;
                    }
                    if (rest.IsEmpty)
                    {
                        _conversations.TryRemove(id, out _);
                    }
                    else
                    {
                        _conversations[id] = rest;
                    }
                    _count--;
                }
            }
            else
            {
                var rest = _tenantSinks.Remove(sink);
                if (rest.Length != _tenantSinks.Length)
                {
                    _tenantSinks = rest;
                    _count--;
                }
            }
            return _count == 0;
        }

        public IEnumerable<IEventSink> Sinks() => _tenantSinks.Concat(_conversations.Values.SelectMany(s => s));

        public void Dispatch(RedisValue payload)
        {
            RealtimeEvent? e;
            try
            {
                e = JsonSerializer.Deserialize((string)payload!, CoreJson.Default.RealtimeEvent);
            }
            catch (JsonException ex)
            {
                LogBadPayload(owner._logger, tenantId, ex);
                return;
            }
            if (e is null || e.TenantId != tenantId)
            {
                return;
            }
            var tenantSinks = _tenantSinks;
            _conversations.TryGetValue(e.ConversationId, out var conversationSinks);
            if (tenantSinks.IsEmpty && conversationSinks.IsDefaultOrEmpty)
            {
                // Another instance's socket (or nobody's): nothing to frame.
                return;
            }
            var live = new LiveEvent(e);
            foreach (var sink in tenantSinks)
            {
                sink.Deliver(live);
            }
            if (!conversationSinks.IsDefault)
            {
                foreach (var sink in conversationSinks)
                {
                    sink.Deliver(live);
                }
            }
        }
    }

    private sealed class Membership(RedisFanOut owner, TenantGroup group, Guid? conversationId, IEventSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(group, conversationId, sink);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis subscriptions restored; sockets catch up from PostgreSQL")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an undecodable realtime payload for tenant {TenantId}")]
    private static partial void LogBadPayload(ILogger logger, Guid tenantId, Exception exception);
}
