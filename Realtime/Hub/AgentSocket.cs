using System.Net.WebSockets;
using System.Text.Json;
using OmniChat.Core.Events;
using OmniChat.Core.Realtime;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// A tenant-wide agent stream (<c>/v2/agents/ws</c>): every domain event of the tenant (conversation started, message
/// added, claimed, released, renamed, closed) with its cursor, read from the outbox in commit order exactly like
/// <c>GET /v2/events</c>. The first frame names the cursor the stream starts at; <c>{"type":"resume","after":"&lt;cursor&gt;"}</c>
/// replays from an earlier one. The tenant's one reader on this instance (<see cref="TenantEventFeed"/>) wakes the
/// stream and serves what it holds in memory. Visitors' typing and read signals are passed on as they come.
/// </summary>
internal sealed class AgentSocket : HubSocket
{
    private const int PageSize = 500;
    private readonly Guid _tenantId;
    private readonly TenantEventFeed _feed;
    private readonly TenantEventLog _log;
    private long _cursor;
    private int _wakePending;

    public AgentSocket(WebSocket socket, Guid tenantId, long head, TenantEventFeed feed, TenantEventLog log, RealtimeOptions options,
        RealtimeMetrics metrics, ILogger logger) : base(socket, "agent", options, metrics, logger)
    {
        _tenantId = tenantId;
        _feed = feed;
        _log = log;
        _cursor = head;
        Enqueue(new ReadyFrame(Frames.AgentReady(head.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    /// <inheritdoc />
    public override void Deliver(LiveEvent liveEvent)
    {
        // Stored events come through the tenant's feed (which Redis wakes as well); only ephemeral ones come from here.
        if (liveEvent.Event.IsEphemeral)
        {
            Enqueue(new ReadyFrame(EphemeralFrame(liveEvent.Event)));
        }
    }

    /// <inheritdoc />
    public override void CatchUp() => Wake();

    /// <summary>Looks for new events (coalesced: one pending wake at a time).</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            Enqueue(WakeSignal.Instance);
        }
    }

    protected override async Task ProcessAsync(object item, CancellationToken cancellationToken)
    {
        switch (item)
        {
            case ReadyFrame frame:
                await SendAsync(frame.Frame, cancellationToken);
                break;
            case WakeSignal:
                Volatile.Write(ref _wakePending, 0);
                await SendNewAsync(cancellationToken);
                break;
            case ResumeRequest resume:
                if (await _log.ResolveCursorAsync(_tenantId, resume.After, cancellationToken) is { } after)
                {
                    _cursor = after;
                    Metrics.Replayed(Kind, await SendNewAsync(cancellationToken));
                }
                else
                {
                    await SendAsync(Frames.Error("invalid_cursor", "Not an event id this stream sent."), cancellationToken);
                }
                break;
        }
    }

    private async Task<long> SendNewAsync(CancellationToken cancellationToken)
    {
        long sent = 0;
        while (true)
        {
            var page = await _feed.ReadAfterAsync(_tenantId, _cursor, PageSize, cancellationToken);
            foreach (var e in page)
            {
                await SendAsync(Frames.AgentEvent(e.Cursor, e.Type, e.PayloadJson), cancellationToken);
                _cursor = e.Position;
                sent++;
            }
            if (page.Count < PageSize)
            {
                return sent;
            }
        }
    }

    protected override Task OnClientFrameAsync(ReadOnlyMemory<byte> frame)
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
        if (parsed is { Type: "resume", After: { } after } && TenantEventLog.IsValidCursor(after))
        {
            Enqueue(new ResumeRequest(after));
        }
        else
        {
            Enqueue(new ReadyFrame(Frames.Error("invalid_frame", "Expected {\"type\":\"resume\",\"after\":\"<event id>\"}.")));
        }
        return Task.CompletedTask;
    }

    private static byte[] EphemeralFrame(RealtimeEvent e) => Frames.AgentEphemeral(e);

    private sealed record ResumeRequest(string After);

    private sealed record ReadyFrame(byte[] Frame);

    private sealed class WakeSignal
    {
        public static readonly WakeSignal Instance = new();
    }
}

/// <summary>Source-generated JSON of the hub's own records.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ClientFrame))]
internal sealed partial class RealtimeJson : System.Text.Json.Serialization.JsonSerializerContext;
