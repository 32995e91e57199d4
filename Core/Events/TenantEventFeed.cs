using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniChat.Core.Realtime;
using StackExchange.Redis;

namespace OmniChat.Core.Events;

/// <summary>
/// One reader per tenant per instance for all of that tenant's event streams (SSE and agent sockets): the reader numbers
/// and reads new events once, woken by the tenant's Redis channel or its poll, keeps the latest in memory and tells each
/// stream there is more. A stream reads from that memory, or from PostgreSQL when it is further behind (a resume from
/// an old cursor). So 1,000 streams of a tenant cost PostgreSQL what one does. A reader lives while the tenant has a
/// subscribed stream on this instance.
/// </summary>
public sealed partial class TenantEventFeed(TenantEventLog log, IConnectionMultiplexer redis, IOptions<EventStreamOptions> options,
    ILogger<TenantEventFeed> logger) : IDisposable
{
    private readonly EventStreamOptions _options = options.Value;
    private readonly TenantEventLog _log = log;
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<Guid, TenantReader> _readers = [];
    private readonly Lock _gate = new();

    /// <summary>
    /// Calls <paramref name="onNewEvents"/> whenever new events of <paramref name="tenantId"/> are readable (from any
    /// thread; keep it short). Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Guid tenantId, Action onNewEvents)
    {
        ArgumentNullException.ThrowIfNull(onNewEvents);
        lock (_gate)
        {
            if (!_readers.TryGetValue(tenantId, out var reader))
            {
                reader = new TenantReader(this, tenantId);
                _readers.Add(tenantId, reader);
                reader.Start();
            }
            reader.Add(onNewEvents);
            return new Subscription(this, reader, onNewEvents);
        }
    }

    /// <summary>Events after <paramref name="after"/>, oldest first: from memory when the tenant's reader holds them, else from PostgreSQL.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(Guid tenantId, long after, int limit, CancellationToken cancellationToken)
    {
        TenantReader? reader;
        lock (_gate)
        {
            _readers.TryGetValue(tenantId, out reader);
        }
        return reader?.TryReadBuffered(after, limit) ?? await _log.ReadAfterAsync(tenantId, after, limit, sequence: false, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var reader in _readers.Values)
            {
                reader.Stop();
            }
            _readers.Clear();
        }
    }

    private void Unsubscribe(TenantReader reader, Action onNewEvents)
    {
        lock (_gate)
        {
            if (reader.Remove(onNewEvents) == 0 && _readers.GetValueOrDefault(reader.TenantId) == reader)
            {
                _readers.Remove(reader.TenantId);
                reader.Stop();
            }
        }
    }

    private sealed class Subscription(TenantEventFeed feed, TenantReader reader, Action onNewEvents) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(reader, onNewEvents);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001",
        Justification = "Neither the wake-up nor the token source has a wait handle or timer in use; Stop may race a late wake.")]
    private sealed class TenantReader(TenantEventFeed feed, Guid tenantId)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Wakeup _wake = new();
        private readonly Lock _gate = new();
        private readonly List<StoredEvent> _buffer = [];
        private readonly RedisChannel _channel = RedisChannel.Literal(RealtimeChannels.Tenant(tenantId));
        private Action[] _subscribers = [];
        // The buffer holds every event with a position in (_floor, _head]; until the first read it holds nothing.
        private long _floor = long.MaxValue;
        private long _head;

        public Guid TenantId => tenantId;

        public void Add(Action subscriber)
        {
            lock (_gate)
            {
                _subscribers = [.. _subscribers, subscriber];
            }
        }

        public int Remove(Action subscriber)
        {
            lock (_gate)
            {
                _subscribers = [.. _subscribers.Where(s => s != subscriber)];
                return _subscribers.Length;
            }
        }

        public void Start() => _ = RunAsync();

        public void Stop() => _stop.Cancel();

        public List<StoredEvent>? TryReadBuffered(long after, int limit)
        {
            lock (_gate)
            {
                if (after < _floor)
                {
                    return null;
                }
                var index = _buffer.BinarySearch(new StoredEvent(after, "", ""), PositionComparer.Instance);
                var start = index >= 0 ? index + 1 : ~index;
                return _buffer.GetRange(start, Math.Min(limit, _buffer.Count - start));
            }
        }

        private async Task RunAsync()
        {
            var cancellationToken = _stop.Token;
            var subscriber = feed._redis.GetSubscriber();
            try
            {
                await subscriber.SubscribeAsync(_channel, OnPublished);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The poll still finds every event; Redis only makes it sooner.
                LogSubscribeFailed(feed._logger, tenantId, ex);
            }
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        // Starting, the reader numbers what was committed unnumbered: a stream that read before that
                        // (it reads numbered events only) is told to look again.
                        var started = false;
                        if (_floor == long.MaxValue)
                        {
                            var head = await feed._log.HeadAsync(tenantId, cancellationToken);
                            lock (_gate)
                            {
                                _floor = _head = head;
                            }
                            started = true;
                        }
                        if (await ReadNewAsync(cancellationToken) || started)
                        {
                            foreach (var notify in Volatile.Read(ref _subscribers))
                            {
                                notify();
                            }
                        }
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Whatever failed (PostgreSQL away, a full pool), the reader lives on: its streams depend on it.
                        LogReadFailed(feed._logger, tenantId, ex);
                    }
                    await _wake.WaitAsync(feed._options.PollInterval, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped: the tenant's last stream on this instance closed.
            }
            finally
            {
                await subscriber.UnsubscribeAsync(_channel, OnPublished, CommandFlags.FireAndForget);
            }
        }

        private async Task<bool> ReadNewAsync(CancellationToken cancellationToken)
        {
            var any = false;
            while (true)
            {
                var page = await feed._log.ReadAfterAsync(tenantId, _head, feed._options.PageSize, sequence: true, cancellationToken);
                if (page.Count > 0)
                {
                    any = true;
                    lock (_gate)
                    {
                        _buffer.AddRange(page);
                        _head = page[^1].Position;
                        // Trim in halves so that trimming is rare; what is dropped is then read from PostgreSQL.
                        if (_buffer.Count > 2 * feed._options.BufferSize)
                        {
                            var drop = _buffer.Count - feed._options.BufferSize;
                            _floor = _buffer[drop - 1].Position;
                            _buffer.RemoveRange(0, drop);
                        }
                    }
                }
                if (page.Count < feed._options.PageSize)
                {
                    return any;
                }
            }
        }

        // Visitors' typing and read signals share the channel but are never stored: they need no read.
        private void OnPublished(RedisChannel channel, RedisValue message)
        {
            var text = (string?)message;
            if (text is not null && (text.StartsWith("{\"type\":\"typing\"", StringComparison.Ordinal) || text.StartsWith("{\"type\":\"read\"", StringComparison.Ordinal)))
            {
                return;
            }
            _wake.Wake();
        }
    }

    private sealed class PositionComparer : IComparer<StoredEvent>
    {
        public static readonly PositionComparer Instance = new();

        public int Compare(StoredEvent? x, StoredEvent? y) => (x?.Position ?? 0).CompareTo(y?.Position ?? 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the event stream of tenant {TenantId} failed; retrying at the next poll")]
    private static partial void LogReadFailed(ILogger logger, Guid tenantId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to tenant {TenantId}'s Redis channel failed; its streams rely on the poll")]
    private static partial void LogSubscribeFailed(ILogger logger, Guid tenantId, Exception exception);
}
