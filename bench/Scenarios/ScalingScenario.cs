using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using OmniChat.Core;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scaling: the same load on a system of one Api, one Realtime and one Workers (as the AppHost runs by default) and on
/// one of two of each behind the AppHost's local balancer (<c>--replicas api=2,realtime=2,workers=2</c>, ADR 0036), one
/// system after the other on the same machine. Ingest: v1 message POSTs at a fixed concurrency, each worker on its own
/// conversation. Fan-out: visitor messages into conversations each watched by v1 sockets (connected through the
/// balancer, so spread over both hubs), counted as frames delivered per second. Reported as the ratio 2 instances / 1
/// instance; on a 2-core machine that already runs PostgreSQL, Redis and the load generator, expect about 1× (the second
/// instance has no core of its own). Information only: no goal.
/// </summary>
internal sealed class ScalingScenario : IScenario
{
    private const int IngestConcurrency = 16;
    private const int FanOutConversations = 20;
    private const int SocketsPerConversation = 5;
    private const int FanOutConcurrency = 8;

    public string Name => "scaling";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> services = [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers];
        var single = await MeasureAsync(services, new Dictionary<string, int>(), settings, cancellationToken);
        var doubled = await MeasureAsync(services, new Dictionary<string, int>
        {
            [ResourceNames.Api] = 2, [ResourceNames.Realtime] = 2, [ResourceNames.Workers] = 2,
        }, settings, cancellationToken);

        ScenarioResult Line(string variant, string unit, double two, double one, Dictionary<string, double> details) =>
            new(Name, variant, unit, two, one, two / Math.Max(one, 1e-9), 1, true, details,
                $"baseline column = one instance of each service; ratio = 2 instances / 1 instance; {Environment.ProcessorCount} cores")
            {
                Informational = true,
                InformationalGoal = "ratio, no goal",
                LowerIsBetter = true,
            };

        return
        [
            Line($"ingest, v1 POST messages, concurrency {IngestConcurrency}", "msg/s", doubled.Ingest.Throughput, single.Ingest.Throughput,
                new Dictionary<string, double>
                {
                    ["one_p50_ms"] = single.Ingest.PercentileMs(50), ["one_p99_ms"] = single.Ingest.PercentileMs(99),
                    ["two_p50_ms"] = doubled.Ingest.PercentileMs(50), ["two_p99_ms"] = doubled.Ingest.PercentileMs(99),
                    ["one_errors"] = single.Ingest.Errors, ["two_errors"] = doubled.Ingest.Errors,
                }),
            Line($"fan-out, {FanOutConversations * SocketsPerConversation} v1 sockets on {FanOutConversations} conversations, {FanOutConcurrency} writers",
                "deliveries/s", doubled.Deliveries, single.Deliveries,
                new Dictionary<string, double>
                {
                    ["one_msg_s"] = single.FanOut.Throughput, ["two_msg_s"] = doubled.FanOut.Throughput,
                    ["one_errors"] = single.FanOut.Errors, ["two_errors"] = doubled.FanOut.Errors,
                }),
        ];
    }

    private sealed record Measured(LoadResult Ingest, LoadResult FanOut, double Deliveries);

    private static async Task<Measured> MeasureAsync(IReadOnlyList<string> services, IReadOnlyDictionary<string, int> replicas, BenchSettings settings,
        CancellationToken cancellationToken)
    {
        await using var system = await BenchEnvironment.StartAsync(services, replicas, cancellationToken);
        using var client = system.Client();

        var writers = new List<(Guid Id, System.Net.Http.Headers.AuthenticationHeaderValue Token)>();
        for (var i = 0; i < IngestConcurrency; i++)
        {
            writers.Add(await BenchEnvironment.StartConversationAsync(client, cancellationToken));
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new { text = "scaling" });
        Task PostAsync((Guid Id, System.Net.Http.Headers.AuthenticationHeaderValue Token) c) =>
            BenchEnvironment.PostAsync(client, $"/v1/conversations/{c.Id}/messages", JsonBody.Of(body), c.Token, cancellationToken);
        // JIT warm-up of every instance (round robin reaches each), then the measured run.
        await LoadRunner.RunAsync(IngestConcurrency, settings.WarmUp * 3, TimeSpan.Zero, w => PostAsync(writers[w]), cancellationToken);
        var ingest = await LoadRunner.RunAsync(IngestConcurrency, settings.WarmUp, settings.Duration, w => PostAsync(writers[w]), cancellationToken);

        var realtime = system.App.ServiceUrls[ResourceNames.Realtime];
        var conversations = new List<(Guid Id, System.Net.Http.Headers.AuthenticationHeaderValue Token)>();
        var sockets = new List<ClientWebSocket>();
        long delivered = 0;
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = new List<Task>();
        try
        {
            for (var i = 0; i < FanOutConversations; i++)
            {
                var conversation = await BenchEnvironment.StartConversationAsync(client, cancellationToken);
                conversations.Add(conversation);
                for (var s = 0; s < SocketsPerConversation; s++)
                {
                    var socket = new ClientWebSocket();
                    sockets.Add(socket);
                    await socket.ConnectAsync(new Uri(string.Create(CultureInfo.InvariantCulture,
                        $"ws://{realtime.Authority}/ws?conversationId={conversation.Id}&token={Uri.EscapeDataString(conversation.Token.Parameter!)}")), cancellationToken);
                    readers.Add(ReadAsync(socket, () => Interlocked.Increment(ref delivered), stopReading.Token));
                }
            }
            await LoadRunner.RunAsync(FanOutConcurrency, settings.WarmUp, TimeSpan.Zero, w => PostAsync(conversations[w % conversations.Count]), cancellationToken);
            var before = Interlocked.Read(ref delivered);
            var fanOut = await LoadRunner.RunAsync(FanOutConcurrency, TimeSpan.Zero, settings.Duration,
                w => PostAsync(conversations[w % conversations.Count]), cancellationToken);
            // Frames still on their way when the writers stop are left out: a small undercount on both sides alike.
            var deliveries = (Interlocked.Read(ref delivered) - before) / fanOut.Elapsed.TotalSeconds;
            return new Measured(ingest, fanOut, deliveries);
        }
        finally
        {
            await stopReading.CancelAsync();
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
            await Task.WhenAll(readers);
        }
    }

    private static async Task ReadAsync(ClientWebSocket socket, Action frame, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (result.EndOfMessage)
                {
                    frame();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
