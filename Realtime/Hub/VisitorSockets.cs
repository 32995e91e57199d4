using System.Net.WebSockets;
using System.Text.Json;
using OmniChat.Core.Realtime;

namespace OmniChat.Realtime.Hub;

/// <summary>Widget v1 (<c>/ws</c>): live events of one conversation in the frozen v1 shapes; no resume, client frames ignored.</summary>
internal sealed class V1VisitorSocket(WebSocket socket, RealtimeOptions options, RealtimeMetrics metrics, ILogger logger)
    : HubSocket(socket, "v1", options, metrics, logger)
{
    protected override async Task ProcessAsync(object item, CancellationToken cancellationToken)
    {
        if (item is LiveEvent { Event.IsEphemeral: false, V1: { } frame })
        {
            await SendAsync(frame, cancellationToken);
        }
    }
}

/// <summary>
/// Widget v2 (<c>/v2/ws</c>). Stored events go out only after the client said where it stands (<c>resume</c>, or
/// <c>afterSeq</c> in the URL): the hub replays every stored event after that seq from PostgreSQL, then goes on live.
/// Live events carry their seq; one at or below the last sent is a duplicate and dropped, one further ahead than the
/// next means a publish was lost and the gap is read from PostgreSQL first. So the client sees every seq once, in order.
/// </summary>
internal sealed partial class V2VisitorSocket : HubSocket
{
    private readonly Guid _tenantId;
    private readonly Guid _conversationId;
    private readonly ConversationEventLog _log;
    private readonly RealtimeOptions _options;
    private readonly IRealtimePublisher _publisher;
    private readonly TimeProvider _time;
    private long? _lastSeq;
    private long _lastTypingAt;

    public V2VisitorSocket(WebSocket socket, Guid tenantId, Guid conversationId, ConversationEventLog log, IRealtimePublisher publisher,
        TimeProvider time, RealtimeOptions options, RealtimeMetrics metrics, ILogger logger)
        : base(socket, "v2", options, metrics, logger)
    {
        _tenantId = tenantId;
        _conversationId = conversationId;
        _log = log;
        _publisher = publisher;
        _time = time;
        _options = options;
    }

    /// <summary>Starts delivery of stored events after <paramref name="afterSeq"/>.</summary>
    public void Resume(long afterSeq) => Enqueue(new ResumeRequest(afterSeq));

    protected override async Task ProcessAsync(object item, CancellationToken cancellationToken)
    {
        switch (item)
        {
            case LiveEvent { Event.IsEphemeral: true } ephemeral:
                if (ephemeral.Event.Sender != Id && ephemeral.V2 is { } ephemeralFrame)
                {
                    await SendAsync(ephemeralFrame, cancellationToken);
                }
                break;
            case LiveEvent { Event.IsStored: true } live when _lastSeq is { } last:
                var seq = live.Event.Seq!.Value;
                if (seq == last + 1 && live.V2 is { } frame)
                {
                    await SendAsync(frame, cancellationToken);
                    _lastSeq = seq;
                }
                else if (seq > last + 1)
                {
                    await SendStoredAsync(cancellationToken); // a lost publish: read the gap (and this event) from PostgreSQL
                }
                break;
            case ResumeRequest resume:
                _lastSeq = resume.AfterSeq;
                Metrics.Replayed(Kind, await SendStoredAsync(cancellationToken));
                break;
            case CatchUpSignal when _lastSeq is not null:
                await SendStoredAsync(cancellationToken);
                break;
            case ErrorFrame error:
                await SendAsync(error.Frame, cancellationToken);
                break;
        }
    }

    // Sends every stored event after _lastSeq, in seq order; returns how many.
    private async Task<long> SendStoredAsync(CancellationToken cancellationToken)
    {
        long sent = 0;
        while (true)
        {
            var page = await _log.ReadAfterAsync(_tenantId, _conversationId, _lastSeq!.Value, _options.ReplayPageSize, cancellationToken);
            foreach (var e in page)
            {
                if (Frames.V2(e) is { } frame)
                {
                    await SendAsync(frame, cancellationToken);
                }
                _lastSeq = e.Seq;
                sent++;
            }
            if (page.Count < _options.ReplayPageSize)
            {
                return sent;
            }
        }
    }

    protected override async Task OnClientFrameAsync(ReadOnlyMemory<byte> frame)
    {
        ClientFrame? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(frame.Span, RealtimeJson.Default.ClientFrame);
        }
        catch (JsonException)
        {
            parsed = null;
        }
        switch (parsed)
        {
            case { Type: "resume", AfterSeq: >= 0 and var afterSeq }:
                Resume(afterSeq);
                break;
            case { Type: "typing" }:
                // At most one typing signal per second per socket reaches Redis.
                var now = _time.GetTimestamp();
                if (_lastTypingAt == 0 || _time.GetElapsedTime(_lastTypingAt, now) >= TimeSpan.FromSeconds(1))
                {
                    _lastTypingAt = now;
                    await PublishAsync(RealtimeEvent.Typing, null);
                }
                break;
            case { Type: "read", Seq: >= 0 and var readSeq }:
                await PublishAsync(RealtimeEvent.Read, readSeq);
                break;
            default:
                Enqueue(new ErrorFrame(Frames.Error("invalid_frame",
                    "Expected {\"type\":\"resume\",\"afterSeq\":N}, {\"type\":\"typing\"} or {\"type\":\"read\",\"seq\":N}.")));
                break;
        }
    }

    private Task PublishAsync(string type, long? seq) =>
        _publisher.PublishAsync(new RealtimeEvent(type, _tenantId, _conversationId, _time.GetUtcNow()) { Seq = seq, From = "visitor", Sender = Id });

    private sealed record ResumeRequest(long AfterSeq);
}

/// <summary>A frame the hub answers a client with, queued behind what is already waiting.</summary>
internal sealed record ErrorFrame(byte[] Frame);

/// <summary>A frame a client sends.</summary>
internal sealed record ClientFrame(string? Type, long? AfterSeq, long? Seq, string? After);
