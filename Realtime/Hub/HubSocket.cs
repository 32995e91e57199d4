using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// One accepted WebSocket: a bounded send queue drained by a single pump (the only writer to the socket), a receive loop
/// that enforces the frame limit, and close handling. A consumer whose queue fills up is evicted rather than buffered
/// without bound. Subclasses define the protocol: what to do with each queued item and each client frame.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001",
    Justification = "The CancellationTokenSource has no timer and no linked tokens: nothing to release, and Close may still cancel it late.")]
internal abstract partial class HubSocket : IEventSink
{
    /// <summary>1012 (service restart) is not in <see cref="WebSocketCloseStatus"/>.</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>1013 (try again later) is not in <see cref="WebSocketCloseStatus"/>.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Client frames are small (acks, typing, resumes); a larger one grows the rented buffer up to the frame limit.</summary>
    private const int ReceiveBufferBytes = 1024;

    private readonly Channel<object> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _maxFrameBytes;
    private CloseRequest? _closeRequest;
    private bool _draining;

    protected HubSocket(WebSocket socket, string kind, RealtimeOptions options, RealtimeMetrics metrics, ILogger logger)
    {
        Socket = socket;
        Kind = kind;
        Metrics = metrics;
        Logger = logger;
        _maxFrameBytes = options.MaxFrameBytes;
        _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>This socket's id (for not echoing its own ephemeral events).</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary><c>v1</c>, <c>v2</c> or <c>agent</c>.</summary>
    public string Kind { get; }

    protected WebSocket Socket { get; }

    protected RealtimeMetrics Metrics { get; }

    protected ILogger Logger { get; }

    /// <summary>The status this socket was closed with by the hub, if it was.</summary>
    public WebSocketCloseStatus? ClosedWith => _closeRequest?.Status;

    /// <inheritdoc />
    public virtual void Deliver(LiveEvent liveEvent) => Enqueue(liveEvent);

    /// <inheritdoc />
    public virtual void CatchUp() => Enqueue(CatchUpSignal.Instance);

    /// <summary>Queues <paramref name="item"/> for the pump; a full queue evicts the socket.</summary>
    protected void Enqueue(object item)
    {
        if (!_queue.Writer.TryWrite(item) && _closeRequest is null)
        {
            Metrics.Evicted(Kind);
            LogEvicted(Logger, Kind);
            Close(TryAgainLater, "Too far behind; reconnect and resume.", immediately: true);
        }
    }

    /// <summary>
    /// Closes the socket with <paramref name="status"/>. <paramref name="immediately"/> drops what is still queued;
    /// otherwise the queue is sent first. Only the first request counts.
    /// </summary>
    public void Close(WebSocketCloseStatus status, string reason, bool immediately)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, new CloseRequest(status, reason), null) is not null)
        {
            return;
        }
        _queue.Writer.TryComplete();
        if (immediately)
        {
            _stop.Cancel();
        }
    }

    /// <summary>Runs the socket until it closes.</summary>
    public async Task RunAsync()
    {
        Metrics.Opened(Kind);
        try
        {
            var pump = PumpAsync();
            var receive = ReceiveAsync();
            await Task.WhenAny(pump, receive);
            // The client closed or vanished: stop sending.
            Close(WebSocketCloseStatus.NormalClosure, "", immediately: true);
            await pump;
            // Give the client a moment to answer our close frame.
            await receive.WaitAsync(CloseHandshakeTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!receive.IsCompleted)
            {
                Socket.Abort();
            }
        }
        finally
        {
            OnClosed();
            Metrics.Closed(Kind);
        }
    }

    /// <summary>The socket is closed and its pump stopped: release what the protocol holds (timers).</summary>
    protected virtual void OnClosed()
    {
    }

    /// <summary>Handles one queued item (a live event, a resume, a catch-up signal …), sending frames with <see cref="SendAsync"/>.</summary>
    protected abstract Task ProcessAsync(object item, CancellationToken cancellationToken);

    /// <summary>Handles one complete client text frame.</summary>
    protected virtual Task OnClientFrameAsync(ReadOnlyMemory<byte> frame) => Task.CompletedTask;

    /// <summary>Sends one text frame (pump only).</summary>
    protected async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await Socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        Metrics.FrameSent(Kind);
    }

    private async Task PumpAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                while (reader.TryRead(out var item))
                {
                    await ProcessAsync(item, _stop.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Closed immediately.
        }
        catch (WebSocketException)
        {
            // The peer is gone.
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPumpFailed(Logger, Kind, ex);
            _closeRequest ??= new CloseRequest(WebSocketCloseStatus.InternalServerError, "Internal error; reconnect and resume.");
        }

        if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            var request = _closeRequest ?? new CloseRequest(WebSocketCloseStatus.NormalClosure, "");
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            try
            {
                await Socket.CloseOutputAsync(request.Status, request.Reason, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                Socket.Abort();
            }
        }
    }

    /// <summary>
    /// Reads client frames. Between frames the socket holds no receive buffer: it waits with a zero-byte read and rents
    /// one only while a frame is arriving, so an idle socket costs the hub nothing here.
    /// </summary>
    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                var next = await Socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (next.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (!await ReceiveFrameAsync(next))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted or the connection dropped.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReceiveFailed(Logger, Kind, ex);
        }
    }

    /// <summary>Reads the rest of the frame <paramref name="first"/> began and handles it; false once the client closed.</summary>
    private async Task<bool> ReceiveFrameAsync(ValueWebSocketReceiveResult first)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        var length = 0;
        try
        {
            var result = first;
            while (!result.EndOfMessage)
            {
                if (length == buffer.Length)
                {
                    if (_draining)
                    {
                        length = 0;
                    }
                    else
                    {
                        // Grows at most to twice the frame limit: past the limit the frame is refused.
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }
                result = await Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return false;
                }
                length += result.Count;
                if (length > _maxFrameBytes && !_draining)
                {
                    // From here on every frame is read and dropped until the client answers our close.
                    _draining = true;
                    length = 0;
                    Metrics.Refused("frame_too_big");
                    Close(WebSocketCloseStatus.MessageTooBig, $"Frames are limited to {_maxFrameBytes} bytes.", immediately: true);
                }
            }
            if (!_draining && first.MessageType == WebSocketMessageType.Text)
            {
                await OnClientFrameAsync(buffer.AsMemory(0, length));
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Reason);

    /// <summary>Queued when Redis reconnects.</summary>
    protected sealed class CatchUpSignal
    {
        public static readonly CatchUpSignal Instance = new();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted a slow {Kind} socket (send queue full)")]
    private static partial void LogEvicted(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading from a {Kind} socket failed; closing it")]
    private static partial void LogReceiveFailed(ILogger logger, string kind, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Kind} socket failed; closing it")]
    private static partial void LogPumpFailed(ILogger logger, string kind, Exception exception);
}
