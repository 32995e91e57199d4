namespace OmniChat.Realtime.Hub;

/// <summary>
/// A socket's place in its channel before the socket exists. The hub joins the channel (and waits for Redis to confirm
/// the subscription) before it completes the WebSocket handshake, so a client that connected misses nothing published
/// after that; what arrives before the socket is attached is kept here and handed over first, in order.
/// </summary>
internal sealed class EarlyEvents : IEventSink
{
    private readonly Lock _lock = new();
    private List<LiveEvent>? _early = [];
    private bool _catchUp;
    private IEventSink? _socket;

    public void Deliver(LiveEvent liveEvent)
    {
        lock (_lock)
        {
            if (_socket is null)
            {
                // Only the handshake's few milliseconds pass before Attach; the socket's own queue bounds the rest.
                _early!.Add(liveEvent);
                return;
            }
            _socket.Deliver(liveEvent);
        }
    }

    public void CatchUp()
    {
        lock (_lock)
        {
            if (_socket is null)
            {
                _catchUp = true;
                return;
            }
            _socket.CatchUp();
        }
    }

    /// <summary>Hands what arrived so far to <paramref name="socket"/>, then forwards everything else to it.</summary>
    public void Attach(IEventSink socket)
    {
        lock (_lock)
        {
            foreach (var liveEvent in _early!)
            {
                socket.Deliver(liveEvent);
            }
            if (_catchUp)
            {
                socket.CatchUp();
            }
            _early = null;
            _socket = socket;
        }
    }
}
