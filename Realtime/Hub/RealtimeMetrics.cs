using System.Diagnostics.Metrics;

namespace OmniChat.Realtime.Hub;

/// <summary>The hub's meters (<c>OmniChat.Realtime</c>): open sockets, frames out, evictions, refusals and replay sizes, by socket kind.</summary>
public sealed class RealtimeMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "OmniChat.Realtime";

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _framesOut;
    private readonly Counter<long> _evictions;
    private readonly Counter<long> _refused;
    private readonly Histogram<long> _replaySize;
    private readonly Counter<long> _accepted;

    public RealtimeMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("omnichat.realtime.connections", "{connection}", "Open WebSockets.");
        _framesOut = meter.CreateCounter<long>("omnichat.realtime.frames_out", "{frame}", "Frames sent to sockets.");
        _evictions = meter.CreateCounter<long>("omnichat.realtime.evictions", "{connection}", "Slow consumers evicted.");
        _refused = meter.CreateCounter<long>("omnichat.realtime.refused", "{connection}", "Handshakes refused or sockets closed by policy.");
        _accepted = meter.CreateCounter<long>("omnichat.realtime.accepted", "{connection}", "Handshakes accepted, by the path that accepted them.");
        _replaySize = meter.CreateHistogram<long>("omnichat.realtime.replay_size", "{event}", "Stored events replayed per resume.");
    }

    public void Opened(string kind) => _connections.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Closed(string kind) => _connections.Add(-1, new KeyValuePair<string, object?>("kind", kind));

    public void FrameSent(string kind) => _framesOut.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Evicted(string kind) => _evictions.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Accepted(string path) => _accepted.Add(1, new KeyValuePair<string, object?>("path", path));

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Replayed(string kind, long events) => _replaySize.Record(events, new KeyValuePair<string, object?>("kind", kind));
}
