using System.Collections.Concurrent;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// Counts this instance's open sockets per conversation and per client IP. The caps are per instance: with N instances
/// behind a balancer a client can hold at most N times the cap (docs/decisions/0006).
/// </summary>
internal sealed class ConnectionLimits
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Takes a slot under <paramref name="key"/> unless <paramref name="max"/> are taken; dispose the lease to give it back.</summary>
    public IDisposable? TryAcquire(string key, int max)
    {
        while (true)
        {
            var current = _counts.GetOrAdd(key, 0);
            if (current >= max)
            {
                return null;
            }
            if (_counts.TryUpdate(key, current + 1, current))
            {
                return new Lease(this, key);
            }
        }
    }

    private void Release(string key)
    {
        while (true)
        {
            var current = _counts[key];
            if (current <= 1)
            {
                // Remove only if nobody took a slot meanwhile.
                if (_counts.TryRemove(new KeyValuePair<string, int>(key, current)))
                {
                    return;
                }
            }
            else if (_counts.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Lease(ConnectionLimits owner, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}

/// <summary>Every open socket of this instance, so shutdown can tell each to reconnect elsewhere.</summary>
internal sealed class SocketRegistry
{
    private readonly ConcurrentDictionary<HubSocket, byte> _sockets = new();

    public int Count => _sockets.Count;

    public void Add(HubSocket socket) => _sockets.TryAdd(socket, 0);

    public void Remove(HubSocket socket) => _sockets.TryRemove(socket, out _);

    /// <summary>Closes every socket with 1012 after sending what is queued.</summary>
    public void CloseAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            socket.Close(HubSocket.ServiceRestart, "Server restarting; reconnect and resume.", immediately: false);
        }
    }
}
