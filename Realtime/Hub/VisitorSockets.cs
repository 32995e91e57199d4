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
/// Client signals (<c>typing</c>, <c>read</c>, <c>resume</c>) act at most once per interval each (<see cref="ClientSignalThrottle{T}"/>),
/// so a socket cannot flood the tenant's channel with publishes or PostgreSQL with replays.
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
    private ClientSignalThrottle<long?>? _typing;
    private ClientSignalThrottle<long?>? _reads;
    private ClientSignalThrottle<long>? _resumes;

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

    /// <summary>Starts delivery of stored events after <paramref name="afterSeq"/> (at once, or when the resume interval ends).</summary>
    public void Resume(long afterSeq)
    {
        _resumes ??= new ClientSignalThrottle<long>(_options.ResumeInterval, _time, after => Enqueue(new ResumeRequest(after)));
        if (_resumes.TryPass(afterSeq))
        {
            Enqueue(new ResumeRequest(afterSeq));
        }
    }

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
            case HeldSignal held:
                await PublishAsync(held.Type, held.Seq);
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
                _typing ??= Throttle(_options.TypingInterval, RealtimeEvent.Typing);
                if (_typing.TryPass(null))
                {
                    await PublishAsync(RealtimeEvent.Typing, null);
                }
                break;
            case { Type: "read", Seq: >= 0 and var readSeq }:
                _reads ??= Throttle(_options.ReadInterval, RealtimeEvent.Read);
                if (_reads.TryPass(readSeq))
                {
                    await PublishAsync(RealtimeEvent.Read, readSeq);
                }
                break;
            default:
                Enqueue(new ErrorFrame(Frames.Error("invalid_frame",
                    "Expected {\"type\":\"resume\",\"afterSeq\":N}, {\"type\":\"typing\"} or {\"type\":\"read\",\"seq\":N}.")));
                break;
        }
    }

    // A held typing or read signal is published by the pump (the timer that releases it must not wait on Redis).
    private ClientSignalThrottle<long?> Throttle(TimeSpan interval, string type) =>
        new(interval, _time, seq => Enqueue(new HeldSignal(type, seq)));

    protected override void OnClosed()
    {
        _typing?.Dispose();
        _reads?.Dispose();
        _resumes?.Dispose();
    }

    private Task PublishAsync(string type, long? seq) =>
        _publisher.PublishAsync(new RealtimeEvent(type, _tenantId, _conversationId, _time.GetUtcNow()) { Seq = seq, From = "visitor", Sender = Id });

    private sealed record ResumeRequest(long AfterSeq);

    private sealed record HeldSignal(string Type, long? Seq);
}

/// <summary>A frame the hub answers a client with, queued behind what is already waiting.</summary>
internal sealed record ErrorFrame(byte[] Frame);

/// <summary>A frame a client sends.</summary>
internal sealed record ClientFrame(string? Type, long? AfterSeq, long? Seq, string? After);
