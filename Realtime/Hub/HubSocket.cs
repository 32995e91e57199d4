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

    private readonly Channel<object> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _maxFrameBytes;
    private CloseRequest? _closeRequest;

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
            Metrics.Closed(Kind);
        }
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

    private async Task ReceiveAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        var message = new ArrayBufferWriter<byte>(256);
        var tooBig = false;
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (tooBig)
                {
                    continue; // draining until the client answers our close
                }
                if (message.WrittenCount + result.Count > _maxFrameBytes)
                {
                    tooBig = true;
                    Metrics.Refused("frame_too_big");
                    Close(WebSocketCloseStatus.MessageTooBig, $"Frames are limited to {_maxFrameBytes} bytes.", immediately: true);
                    continue;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    await OnClientFrameAsync(message.WrittenMemory);
                }
                message.ResetWrittenCount();
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
