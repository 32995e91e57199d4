namespace OmniChat.Realtime.Hub;

/// <summary>
/// The one rule for what a client may ask of the hub per socket (<c>typing</c>, <c>read</c>, <c>resume</c>; limits in
/// <see cref="RealtimeOptions"/>): the first signal acts at once, then at most one per interval. A signal that comes
/// sooner is held, a later one replacing it, and the held one acts when the interval ends. A flood therefore costs one
/// Redis publish or one replay per interval, and the client's last word (the seq read up to, where to resume) still
/// arrives.
/// </summary>
/// <remarks>Created on a socket's first signal of a kind, so an idle socket pays nothing for it.</remarks>
internal sealed class ClientSignalThrottle<T> : IDisposable
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Action<T> _release;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private long? _lastActedAt;
    private bool _holding;
    private T? _held;
    private bool _disposed;

    /// <param name="interval">Least time between two signals that act.</param>
    /// <param name="time">The clock.</param>
    /// <param name="release">Acts on a held signal when its interval ends (on a timer thread).</param>
    public ClientSignalThrottle(TimeSpan interval, TimeProvider time, Action<T> release)
    {
        _interval = interval;
        _time = time;
        _release = release;
    }

    /// <summary>True when <paramref name="signal"/> may act now; false when it is held for the end of the interval.</summary>
    public bool TryPass(T signal)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (!_holding)
            {
                var elapsed = _lastActedAt is { } last ? _time.GetElapsedTime(last, now) : _interval;
                if (elapsed >= _interval)
                {
                    _lastActedAt = now;
                    return true;
                }
                if (_disposed)
                {
                    return false;
                }
                _holding = true;
                _timer ??= _time.CreateTimer(static state => ((ClientSignalThrottle<T>)state!).Release(), this,
                    Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _timer.Change(_interval - elapsed, Timeout.InfiniteTimeSpan);
            }
            _held = signal;
            return false;
        }
    }

    private void Release()
    {
        T signal;
        lock (_gate)
        {
            if (!_holding || _disposed)
            {
                return;
            }
            signal = _held!;
            _held = default;
            _holding = false;
            _lastActedAt = _time.GetTimestamp();
        }
        _release(signal);
    }

    /// <summary>Drops a held signal (the socket is gone).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _holding = false;
            _held = default;
        }
        _timer?.Dispose();
    }
}
