using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using OmniChat.Core;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 5: idle WebSockets. N visitors, each with a conversation of its own, hold a v1 socket open from several
/// 127.0.0.x source addresses (one address has ~28k ephemeral ports). Memory per idle socket is (RSS with N − RSS with
/// 0) / N, the sockets for each N opened on top of those already open (goal ≤ 12 KB); the hub's CPU at rest with 30 s
/// pings is reported alongside (no goal).
/// </summary>
internal sealed class IdleConnectionsScenario : IScenario
{
    private const double GoalKb = 12;

    public string Name => "idle-connections";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var hubPid = environment.App.Processes.Single(p => p.Name == ResourceNames.Realtime).Pid;
        var realtime = environment.App.ServiceUrls[ResourceNames.Realtime];
        int[] counts = settings.Quick ? [500] : [10_000, 50_000];
        var results = new List<ScenarioResult>();
        using var client = environment.Client();
        // Each socket needs a descriptor here and one in the hub.
        var ceiling = (int)Math.Min(counts[^1], (long)FileDescriptors.Current - 2_000);
        var visitors = await StartConversationsAsync(client, ceiling, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(settings.Quick ? 1 : 5), cancellationToken);
        // RSS with 0 sockets, measured once: every N is opened on top of the sockets already open (never after closing
        // some, which would reuse the memory they left behind and understate the cost).
        var rssBefore = RssKb(hubPid);
        var sources = Enumerable.Range(1, 4).Select(i => IPAddress.Parse($"127.0.0.{i.ToString(CultureInfo.InvariantCulture)}")).ToArray();
        using var invokers = new InvokerPool(sources);
        var sockets = new ClientWebSocket[ceiling];
        var opened = 0;
        try
        {
            foreach (var wanted in counts)
            {
                var n = Math.Min(wanted, ceiling);
                if (n <= opened)
                {
                    break;
                }
                await OpenAsync(sockets, opened, n, visitors, realtime, invokers, cancellationToken);
                opened = n;
                await Task.Delay(TimeSpan.FromSeconds(settings.Quick ? 2 : 10), cancellationToken);
                var rssAfter = RssKb(hubPid);
                var rest = settings.Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(30);
                var cpuBefore = ProcessCpu.Of(hubPid);
                await Task.Delay(rest, cancellationToken);
                var cpuAtRest = (ProcessCpu.Of(hubPid) - cpuBefore).TotalSeconds / rest.TotalSeconds;
                var open = sockets.Take(n).Count(s => s?.State == WebSocketState.Open);

                var perSocketKb = (rssAfter - rssBefore) / (double)n;
                results.Add(new ScenarioResult("idle-connections", $"{n:N0} idle sockets", "KB/socket", perSocketKb, GoalKb, perSocketKb / GoalKb, 1.0,
                    perSocketKb <= GoalKb && open == n,
                    new Dictionary<string, double>
                    {
                        ["hub_rss_mb_0"] = rssBefore / 1024.0, ["hub_rss_mb_n"] = rssAfter / 1024.0, ["open"] = open,
                        ["hub_cpu_at_rest_pct"] = cpuAtRest * 100, ["source_addresses"] = sources.Length,
                    },
                    (n < wanted ? $"capped at {n:N0} by the open-file limit; " : "") + "ratio = ours / 12 KB, goal ≤ 1×")
                { LowerIsBetter = true });
            }
        }
        finally
        {
            foreach (var socket in sockets.Where(s => s is not null))
            {
                socket.Abort();
                socket.Dispose();
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(settings.Quick ? 1 : 5), cancellationToken);
        return results;
    }

    private static async Task OpenAsync(
        ClientWebSocket[] sockets, int from, int to, (Guid Id, string Token)[] visitors, Uri realtime, InvokerPool invokers, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(64);
        await Task.WhenAll(Enumerable.Range(from, to - from).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var socket = new ClientWebSocket();
                var (id, token) = visitors[i];
                await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/ws?conversationId={id}&token={token}"), invokers.For(i), cancellationToken);
                sockets[i] = socket;
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task<(Guid Id, string Token)[]> StartConversationsAsync(HttpClient client, int n, CancellationToken cancellationToken)
    {
        var visitors = new (Guid, string)[n];
        await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var response = await client.PostAsync("/v1/conversations", JsonBody.Of(new { name = "idle" }), ct);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            visitors[i] = (body.GetProperty("conversationId").GetGuid(), body.GetProperty("token").GetString()!);
        });
        return visitors;
    }

    private static long RssKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>One handler per source address: its connections bind there before connecting.</summary>
    private sealed class InvokerPool : IDisposable
    {
        private readonly HttpMessageInvoker[] _invokers;

        public InvokerPool(IPAddress[] sources) => _invokers = [.. sources.Select(source => new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }))];

        public HttpMessageInvoker For(int i) => _invokers[i % _invokers.Length];

        public void Dispose()
        {
            foreach (var invoker in _invokers)
            {
                invoker.Dispose();
            }
        }
    }
}
