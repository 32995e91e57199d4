using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Npgsql;
using OmniChat.Core;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 9: what open agent streams cost PostgreSQL. N agent sockets (<c>/v2/agents/ws</c>) of one tenant stay open,
/// first at rest, then while 10 messages a second are written; PostgreSQL transactions per second (every stream read
/// is one) are counted from <c>pg_stat_database</c> with the streams open and, as the baseline, in the same run with none
/// open (the write load alone). The extra queries per second are what the streams cost. No goal: the figure is compared
/// before and after one reader per tenant replaced one poll per stream (ADR 0022).
/// </summary>
internal sealed class AgentStreamsScenario : IScenario
{
    private const double MessagesPerSecond = 10;

    public string Name => "agent-streams";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var streams = settings.Quick ? 100 : 1_000;
        var window = settings.Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(20);
        var tenant = environment.App.Credentials.Tenants.Single(t => t.Identifier == "default");
        var key = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var client = environment.Client();
        var (conversation, _) = await BenchEnvironment.StartConversationAsync(client, cancellationToken);
        await BenchEnvironment.PostAsync(client, $"/v2/conversations/{conversation}/claim", JsonBody.Of(new { agent = "bench" }), key, cancellationToken);

        var results = new List<ScenarioResult>();
        var baselineIdle = await TransactionsPerSecondAsync(environment, window, null, cancellationToken);
        var baselineLoad = await TransactionsPerSecondAsync(environment, window, () => WriteAsync(client, key, conversation, cancellationToken), cancellationToken);

        var sockets = new List<ClientWebSocket>(streams);
        try
        {
            var realtime = environment.App.ServiceUrls[ResourceNames.Realtime];
            for (var i = 0; i < streams; i++)
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/v2/agents/ws?ticket={await TicketAsync(client, key, cancellationToken)}"), cancellationToken);
                sockets.Add(socket);
                _ = DrainAsync(socket);
            }
            await Task.Delay(settings.WarmUp, cancellationToken);
            var idle = await TransactionsPerSecondAsync(environment, window, null, cancellationToken);
            var load = await TransactionsPerSecondAsync(environment, window, () => WriteAsync(client, key, conversation, cancellationToken), cancellationToken);
            var open = sockets.Count(s => s.State == WebSocketState.Open);
            results.Add(Line($"{streams} agent streams at rest", idle, baselineIdle, open));
            results.Add(Line($"{streams} agent streams, {MessagesPerSecond:0} messages/s", load, baselineLoad, open));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
        return results;
    }

    private static ScenarioResult Line(string variant, double ours, double baseline, int open) => new(
        "agent-streams", variant, "PostgreSQL transactions/s", ours, baseline, baseline > 0 ? ours / baseline : 0, 0, true,
        new Dictionary<string, double> { ["extra_per_second"] = ours - baseline, ["streams_open"] = open },
        $"{ours - baseline:0.#} transactions/s more than without streams")
    {
        LowerIsBetter = true,
        Informational = true,
        InformationalGoal = "cost of the streams",
    };

    // Committed plus rolled-back transactions of the application database over the window, per second, with `load`
    // (one write at a time at MessagesPerSecond) running meanwhile.
    private static async Task<double> TransactionsPerSecondAsync(BenchEnvironment environment, TimeSpan window, Func<Task>? load,
        CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = load is null ? Task.CompletedTask : PaceAsync(load, stop.Token);
        var before = await TransactionsAsync(environment, cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.Delay(window, cancellationToken);
        var after = await TransactionsAsync(environment, cancellationToken);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // The measuring connection's own transactions (two) are the same on both sides.
        return (after - before) / elapsed;
    }

    private static async Task PaceAsync(Func<Task> write, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / MessagesPerSecond));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await write();
        }
    }

    private static async Task<long> TransactionsAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        // Backends publish their counters when idle, at most once a second: wait for that before reading.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        await using var connection = new NpgsqlConnection(environment.App.Database.System);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static Task WriteAsync(HttpClient client, AuthenticationHeaderValue key, Guid conversation, CancellationToken cancellationToken) =>
        BenchEnvironment.PostAsync(client, $"/v2/conversations/{conversation}/messages", JsonBody.Of(new { agent = "bench", text = "load" }), key, cancellationToken);

    private static async Task<string> TicketAsync(HttpClient client, AuthenticationHeaderValue key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/realtime/tickets");
        request.Headers.Authorization = key;
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("ticket").GetString()!;
    }

    // Reads and drops every frame, as an agent's client would, so the hub never sees a slow consumer.
    private static async Task DrainAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                await socket.ReceiveAsync(buffer, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed by the scenario.
        }
    }
}
