using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using HdrHistogram;
using OmniChat.Core;
using OmniChat.Core.Realtime;
using StackExchange.Redis;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenarios 3 and 4: realtime fan-out. One conversation with S sockets on the hub; events are published on its Redis
/// channel at a fixed rate so that S × rate deliveries per second reach the sockets (1k/s and 10k/s). Latency is
/// publish → WebSocket receive. The baseline is bare StackExchange.Redis: the same payload at the same rate to S
/// subscriptions, publish → handler, the two sides in alternating slices. Goal: our p99 ≤ 3 × the baseline's.
/// Efficiency: deliveries per second of the hub process's CPU time (from /proc), goal ≥ 25,000.
/// </summary>
internal sealed class FanOutScenario : IScenario
{
    public string Name => "fanout";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        const int Sockets = 100;
        using var client = environment.Client();
        var (conversationId, token) = await BenchEnvironment.StartConversationAsync(client, cancellationToken);
        var tenantId = environment.TenantId;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(environment.App.RedisConnectionString);
        var hubPid = environment.App.Processes.Single(p => p.Name == ResourceNames.Realtime).Pid;

        // Our hub: S v1 sockets on the conversation.
        var ours = new Recorder();
        var sockets = new List<ClientWebSocket>();
        var realtime = environment.App.ServiceUrls[ResourceNames.Realtime];
        for (var i = 0; i < Sockets; i++)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/ws?conversationId={conversationId}&token={token.Parameter}"), cancellationToken);
            sockets.Add(socket);
        }
        var receivers = sockets.Select(s => ReceiveAsync(s, ours, cancellationToken)).ToList();

        // The baseline: S plain subscriptions of one multiplexer on a channel of its own.
        var baseline = new Recorder();
        await using var baselineRedis = await ConnectionMultiplexer.ConnectAsync(environment.App.RedisConnectionString);
        var baselineChannel = RedisChannel.Literal($"bench:baseline:{Guid.NewGuid():N}");
        for (var i = 0; i < Sockets; i++)
        {
            var queue = await baselineRedis.GetSubscriber().SubscribeAsync(baselineChannel);
            queue.OnMessage(message =>
            {
                var e = JsonSerializer.Deserialize((string)message.Message!, CoreJson.Default.RealtimeEvent)!;
                baseline.Record(long.Parse(e.Text!, System.Globalization.CultureInfo.InvariantCulture));
            });
        }

        var channel = RedisChannel.Literal(RealtimeChannels.Tenant(tenantId));
        var results = new List<ScenarioResult>();
        foreach (var deliveriesPerSecond in new[] { 1_000, 10_000 })
        {
            var rate = deliveriesPerSecond / Sockets;
            await PublishAsync(redis, channel, tenantId, conversationId, rate, settings.WarmUp, cancellationToken);
            await PublishAsync(baselineRedis, baselineChannel, tenantId, conversationId, rate, settings.WarmUp, cancellationToken);
            await Task.Delay(500, cancellationToken); // warm-up deliveries land before counting starts
            ours.Reset();
            baseline.Reset();

            // The two sides alternate in slices. A p99 needs samples: at 1,000 deliveries/s a publish reaches all 100 sockets at once, so a second holds only 10
            // independent publishes and the slowest 1 % is a handful of them. The lower rate runs three times as long.
            var sliceTime = settings.Duration * (deliveriesPerSecond < 10_000 ? 3 : 1) / settings.Rounds;
            var hubCpu = CpuMeter.Paused(("hub", () => ProcessCpu.Of(hubPid)));
            long published = 0;
            await LoadRunner.InSlicesAsync(2, settings.Rounds, async side =>
            {
                if (side == 0)
                {
                    hubCpu.Resume();
                    published += await PublishAsync(redis, channel, tenantId, conversationId, rate, sliceTime, cancellationToken);
                    await Task.Delay(500, cancellationToken); // let the last deliveries land
                    hubCpu.Pause();
                }
                else
                {
                    await PublishAsync(baselineRedis, baselineChannel, tenantId, conversationId, rate, sliceTime, cancellationToken);
                    await Task.Delay(500, cancellationToken);
                }
            });
            var oursSnapshot = ours.Snapshot();
            var baselineSnapshot = baseline.Snapshot();

            var oursP99 = oursSnapshot.Histogram.GetValueAtPercentile(99) / 1000.0;
            var baseP99 = Math.Max(0.001, baselineSnapshot.Histogram.GetValueAtPercentile(99) / 1000.0);
            var ratio = oursP99 / baseP99;
            var expected = published * Sockets;
            results.Add(new ScenarioResult("fanout-latency", $"{deliveriesPerSecond:N0} deliveries/s, {Sockets} sockets", "ms p99", oursP99, baseP99, ratio, 3.0,
                ratio <= 3.0 && oursSnapshot.Count == expected,
                new Dictionary<string, double>
                {
                    ["ours_p50_ms"] = oursSnapshot.Histogram.GetValueAtPercentile(50) / 1000.0,
                    ["baseline_p50_ms"] = baselineSnapshot.Histogram.GetValueAtPercentile(50) / 1000.0,
                    ["delivered"] = oursSnapshot.Count, ["expected"] = expected, ["baseline_delivered"] = baselineSnapshot.Count,
                },
                $"ratio = ours / baseline, goal ≤ 3×; {(oursSnapshot.Count == expected ? "every delivery arrived" : "deliveries missing")}")
            { LowerIsBetter = true });
            if (deliveriesPerSecond == 10_000)
            {
                var hubCpuSeconds = hubCpu.Total("hub").TotalSeconds;
                var perCpuSecond = oursSnapshot.Count / Math.Max(0.01, hubCpuSeconds);
                results.Add(new ScenarioResult("fanout-efficiency", $"{deliveriesPerSecond:N0} deliveries/s", "deliveries/CPU-s", perCpuSecond, 25_000,
                    perCpuSecond / 25_000, 1.0, perCpuSecond >= 25_000,
                    new Dictionary<string, double> { ["hub_cpu_s"] = hubCpuSeconds, ["delivered"] = oursSnapshot.Count },
                    "baseline column = the goal (25,000 deliveries per hub CPU-second)"));
                Charts.LatencyPercentiles(Path.Combine(settings.OutputDirectory, "fanout-latency.png"),
                    $"publish → receive at {deliveriesPerSecond:N0} deliveries/s (ms)", oursSnapshot.Histogram, baselineSnapshot.Histogram);
            }
        }

        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }
        await Task.WhenAll(receivers);

        // Scenario 9: the same fan-out with socket.io + redis-adapter, next to ours.
        int[] rates = [1_000, 10_000];
        var (peer, reason) = await SocketIoPeer.RunAsync(environment.App.RedisConnectionString, Sockets, settings, rates, cancellationToken);
        foreach (var deliveriesPerSecond in rates)
        {
            var hub = results.Single(r => r.Scenario == "fanout-latency" && r.Variant.StartsWith($"{deliveriesPerSecond:N0} ", StringComparison.Ordinal));
            if (peer?.SingleOrDefault(p => p.DeliveriesPerSecond == deliveriesPerSecond) is { } run)
            {
                results.Add(new ScenarioResult("socketio-peer", $"{deliveriesPerSecond:N0} deliveries/s, {Sockets} sockets", "ms p99", hub.Ours, run.P99Ms,
                    hub.Ours / Math.Max(0.001, run.P99Ms), 0, true,
                    new Dictionary<string, double>
                    {
                        ["socketio_p50_ms"] = run.P50Ms, ["ours_p50_ms"] = hub.Details["ours_p50_ms"], ["socketio_delivered"] = run.Delivered,
                        ["socketio_expected"] = run.Expected,
                    },
                    "baseline column = socket.io 4.8 + @socket.io/redis-adapter (Node.js), ratio = ours / socket.io")
                { LowerIsBetter = true, Informational = true });
            }
            else
            {
                results.Add(new ScenarioResult("socketio-peer", $"{deliveriesPerSecond:N0} deliveries/s", "ms p99", hub.Ours, 0, 0, 0, true,
                    new Dictionary<string, double>(), $"not run: {reason}") { Informational = true });
            }
        }
        return results;
    }

    // Publishes at a steady rate for a while; each payload carries its publish timestamp. Returns how many were published.
    private static async Task<long> PublishAsync(ConnectionMultiplexer redis, RedisChannel channel, Guid tenantId, Guid conversationId,
        int perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var clock = Stopwatch.StartNew();
        long published = 0;
        while (clock.Elapsed < duration)
        {
            var due = interval * published;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
            var payload = JsonSerializer.Serialize(new RealtimeEvent(RealtimeEvent.Message, tenantId, conversationId, DateTimeOffset.UtcNow)
            {
                Direction = "INBOUND",
                Text = Stopwatch.GetTimestamp().ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, CoreJson.Default.RealtimeEvent);
            await subscriber.PublishAsync(channel, payload);
            published++;
        }
        return published;
    }

    private static async Task ReceiveAsync(ClientWebSocket socket, Recorder recorder, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                using var frame = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                recorder.Record(long.Parse(frame.RootElement.GetProperty("text").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Latencies (µs) from a publish timestamp to now.</summary>
    private sealed class Recorder
    {
        private LongConcurrentHistogram _histogram = NewHistogram();
        private long _count;

        public void Record(long publishedAt)
        {
            Volatile.Read(ref _histogram).RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(publishedAt).TotalMicroseconds));
            Interlocked.Increment(ref _count);
        }

        public void Reset()
        {
            Volatile.Write(ref _histogram, NewHistogram());
            Interlocked.Exchange(ref _count, 0);
        }

        public (HistogramBase Histogram, long Count) Snapshot() => (Volatile.Read(ref _histogram), Interlocked.Read(ref _count));

        private static LongConcurrentHistogram NewHistogram() => new(1, 60_000_000, 3);
    }
}
