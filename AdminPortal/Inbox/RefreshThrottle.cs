namespace OmniChat.AdminPortal.Inbox;

/// <summary>
/// Runs a page's re-query at most once at a time and at most once per <c>interval</c>: requests that come while one
/// runs (or too soon after) are folded into one more run. So a burst of live updates costs a circuit one or two
/// queries, and fifty open inboxes never stampede the database.
/// </summary>
internal sealed class RefreshThrottle(Func<Task> refresh, TimeSpan interval, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private bool _running;
    private bool _pending;
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;

    /// <summary>Asks for a refresh; returns at once.</summary>
    public void Request()
    {
        lock (_gate)
        {
            if (_running)
            {
                _pending = true;
                return;
            }
            _running = true;
        }
        _ = RunAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var finished = false;
        try
        {
            while (true)
            {
                var wait = _lastRun + interval - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, _stop.Token);
                }
                _lastRun = time.GetUtcNow();
                await refresh();
                lock (_gate)
                {
                    if (!_pending)
                    {
                        _running = false;
                        finished = true;
                        return;
                    }
                    _pending = false;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed.
        }
        catch (ObjectDisposedException)
        {
            // The page closed while a refresh was due.
        }
        finally
        {
            if (!finished)
            {
                // The refresh failed (the page shows its own error): the next request starts afresh.
                lock (_gate)
                {
                    _running = false;
                    _pending = false;
                }
            }
        }
    }
}
