using System.Text.Json;
using OmniChat.Core.Events;

namespace OmniChat.AdminPortal.Inbox;

/// <summary>What changed in a tenant: the conversations whose events were just read (new ones, messages, claims, …).</summary>
internal sealed record InboxChange(IReadOnlySet<Guid> ConversationIds);

/// <summary>
/// Live updates for open inboxes and conversation views. Each tenant with an open page on this instance has one
/// subscription to <see cref="TenantEventFeed"/> (itself one reader per tenant per instance); its new events are read
/// once, here, and every watching circuit is told which conversations changed. Notifications within
/// <see cref="Coalesce"/> of each other go out as one, so a burst of messages costs each circuit one re-query.
/// </summary>
internal sealed partial class InboxLiveUpdates(TenantEventFeed feed, TenantEventLog log, ILogger<InboxLiveUpdates> logger) : IDisposable
{
    /// <summary>How long a tenant's notifications are gathered before the watchers hear of them.</summary>
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(100);

    private readonly TenantEventFeed _feed = feed;
    private readonly TenantEventLog _log = log;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<Guid, TenantWatch> _tenants = [];
    private readonly Lock _gate = new();

    /// <summary>Calls <paramref name="onChange"/> (from any thread) whenever conversations of <paramref name="tenantId"/> change. Dispose to stop.</summary>
    public IDisposable Watch(Guid tenantId, Func<InboxChange, Task> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        lock (_gate)
        {
            if (!_tenants.TryGetValue(tenantId, out var watch))
            {
                watch = new TenantWatch(this, tenantId);
                _tenants.Add(tenantId, watch);
                watch.Start();
            }
            watch.Add(onChange);
            return new Watcher(this, watch, onChange);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var watch in _tenants.Values)
            {
                watch.Stop();
            }
            _tenants.Clear();
        }
    }

    private void Unwatch(TenantWatch watch, Func<InboxChange, Task> onChange)
    {
        lock (_gate)
        {
            if (watch.Remove(onChange) == 0 && _tenants.GetValueOrDefault(watch.TenantId) == watch)
            {
                _tenants.Remove(watch.TenantId);
                watch.Stop();
            }
        }
    }

    private static Guid? ConversationOf(StoredEvent e)
    {
        try
        {
            using var document = JsonDocument.Parse(e.PayloadJson);
            return document.RootElement.TryGetProperty("conversationId", out var id) && id.TryGetGuid(out var guid) ? guid : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Watcher(InboxLiveUpdates owner, TenantWatch watch, Func<InboxChange, Task> onChange) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unwatch(watch, onChange);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001",
        Justification = "Neither the semaphore nor the token source uses a wait handle; Stop may race the loop's last wait.")]
    private sealed class TenantWatch(InboxLiveUpdates owner, Guid tenantId)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _signal = new(0);
        private readonly Lock _gate = new();
        private Func<InboxChange, Task>[] _watchers = [];
        private IDisposable? _subscription;

        public Guid TenantId => tenantId;

        public void Add(Func<InboxChange, Task> watcher)
        {
            lock (_gate)
            {
                _watchers = [.. _watchers, watcher];
            }
        }

        public int Remove(Func<InboxChange, Task> watcher)
        {
            lock (_gate)
            {
                _watchers = [.. _watchers.Where(w => w != watcher)];
                return _watchers.Length;
            }
        }

        public void Start() => _ = RunAsync();

        public void Stop()
        {
            lock (_gate)
            {
                _stop.Cancel();
                _subscription?.Dispose();
            }
        }

        private void Wake()
        {
            // One pending wake is enough: the loop reads everything new when it runs.
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }

        private async Task RunAsync()
        {
            var cancellationToken = _stop.Token;
            var after = 0L;
            try
            {
                // Start at the tenant's head: the pages read their data fresh, they want only what changes from now on.
                while (true)
                {
                    try
                    {
                        after = await owner._log.HeadAsync(tenantId, cancellationToken);
                        break;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        LogWatchFailed(owner._logger, tenantId, ex);
                        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                    }
                }
                lock (_gate)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        _subscription = owner._feed.Subscribe(tenantId, Wake);
                    }
                }
                while (!cancellationToken.IsCancellationRequested)
                {
                    await _signal.WaitAsync(cancellationToken);
                    await Task.Delay(Coalesce, cancellationToken);
                    var changed = new HashSet<Guid>();
                    try
                    {
                        while (true)
                        {
                            var events = await owner._feed.ReadAfterAsync(tenantId, after, 500, cancellationToken);
                            foreach (var e in events)
                            {
                                after = e.Position;
                                if (ConversationOf(e) is { } id)
                                {
                                    changed.Add(id);
                                }
                            }
                            if (events.Count < 500)
                            {
                                break;
                            }
                        }
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The next wake (the feed's poll) tries again from the same position.
                        LogWatchFailed(owner._logger, tenantId, ex);
                    }
                    if (changed.Count == 0)
                    {
                        continue;
                    }
                    var change = new InboxChange(changed);
                    foreach (var watcher in Volatile.Read(ref _watchers))
                    {
                        _ = NotifyAsync(watcher, change);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The tenant's last watcher on this instance left.
            }
        }

        private async Task NotifyAsync(Func<InboxChange, Task> watcher, InboxChange change)
        {
            try
            {
                await watcher(change);
            }
            catch (Exception ex)
            {
                LogWatcherFailed(owner._logger, tenantId, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading live inbox updates of tenant {TenantId} failed")]
    private static partial void LogWatchFailed(ILogger logger, Guid tenantId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live inbox update of tenant {TenantId} failed in its page")]
    private static partial void LogWatcherFailed(ILogger logger, Guid tenantId, Exception exception);
}
