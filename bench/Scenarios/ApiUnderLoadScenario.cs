using System.Net.Http.Headers;
using HdrHistogram;
using Npgsql;
using OmniChat.Core;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 8: the agent API under load. A tenant with 10,000 open conversations; 50 agents each alternate listing
/// open conversations (first page, newest activity first) and replying to a random one. The goal is absolute: p95 of
/// each operation ≤ 40 ms, reported with the machine's core count (the baseline column holds the goal).
/// <para>
/// The goal lines are open loop: every agent acts twice a second (ten times a busy human's pace), on schedule whether
/// or not its last request finished, and latency counts from the scheduled moment. A closed loop of 50 clients that
/// never pause measures something else, the saturation point, where latency is just 50 ÷ throughput; that run is
/// reported too, as information, with the throughput it reached.
/// </para>
/// </summary>
internal sealed class ApiUnderLoadScenario : IScenario
{
    private const double GoalMs = 40;
    private const int Agents = 50;
    private const double ActionsPerAgentPerSecond = 2;

    public string Name => "api-under-load";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var tenant = environment.App.Credentials.Tenants.Single(t => t.Identifier == "default");
        var open = settings.Quick ? 1_000 : 10_000;
        await SeedAsync(environment, tenant.Id, open, cancellationToken);
        var conversations = await SeedClaimedAsync(environment, tenant.Id, cancellationToken);
        using var client = environment.Client();
        var agentApi = new AgentApi(client, new AuthenticationHeaderValue("Bearer", tenant.ApiKey), conversations);
        var api = environment.App.Processes.Single(p => p.Name == ResourceNames.Api).Pid;
        var postgres = environment.App.Processes.Single(p => p.Name == ResourceNames.Postgres).Pid;
        var shape = $"{Agents} agents, {open:N0} open conversations, {Environment.ProcessorCount} cores";
        var results = new List<ScenarioResult>();

        // Information: the saturation point, 50 clients that never pause. It runs first, so it also warms the Api up
        // (JIT tiers, connection pools) before the paced run is measured.
        var (list, reply) = (NewHistogram(), NewHistogram());
        var step = 0L;
        var cpu = Meter(api, postgres);
        var measureFrom = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(settings.WarmUp.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var saturated = await LoadRunner.RunAsync(Agents, settings.WarmUp, settings.Duration,
            _ => agentApi.ActAsync(Interlocked.Increment(ref step), System.Diagnostics.Stopwatch.GetTimestamp(), measureFrom, list, reply, cancellationToken),
            cancellationToken);
        var saturatedCpu = cpu.PerOperation(Interlocked.Read(ref step));
        var all = NewHistogram();
        all.Add(list);
        all.Add(reply);
        var capacity = Line($"saturation: {Agents} clients without pause, list + reply, {open:N0} open conversations, {Environment.ProcessorCount} cores", all,
            saturated, saturatedCpu, $"closed loop, information only: reached {saturated.Throughput:0} requests/s") with { Informational = true, InformationalGoal = "capacity" };
        // Goal: agents at a (demanding) human pace, open loop.
        (list, reply) = (NewHistogram(), NewHistogram());
        cpu = Meter(api, postgres);
        measureFrom = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(settings.WarmUp.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var paced = await LoadRunner.RunPacedAsync(Agents * ActionsPerAgentPerSecond, settings.WarmUp, settings.Duration,
            (sequence, scheduled) => agentApi.ActAsync(sequence, scheduled, measureFrom, list, reply, cancellationToken), cancellationToken);
        var pacedCpu = cpu.PerOperation(paced.Operations + (long)(Agents * ActionsPerAgentPerSecond * settings.WarmUp.TotalSeconds));
        var note = $"open loop: each agent acts {ActionsPerAgentPerSecond:0} times a second ({Agents * ActionsPerAgentPerSecond:0} requests/s), latency from the scheduled moment; absolute goal (baseline column = 40 ms)";
        results.Add(Line($"list, {shape}", list, paced, pacedCpu, note));
        results.Add(Line($"reply, {shape}", reply, paced, pacedCpu, note));

        results.Add(capacity);
        return results;
    }

    private static LongConcurrentHistogram NewHistogram() => new(1, 60_000_000, 3);

    private ScenarioResult Line(string variant, HistogramBase histogram, LoadResult run, IReadOnlyDictionary<string, double> cpu, string note)
    {
        var p95 = histogram.GetValueAtPercentile(95) / 1000.0;
        var details = new Dictionary<string, double>(cpu)
        {
            ["p50_ms"] = histogram.GetValueAtPercentile(50) / 1000.0,
            ["p99_ms"] = histogram.GetValueAtPercentile(99) / 1000.0,
            ["ops"] = histogram.TotalCount,
            ["errors"] = run.Errors,
            ["throughput_ops_s"] = run.Throughput,
        };
        return new ScenarioResult(Name, variant, "ms p95", p95, GoalMs, p95 / GoalMs, 1.0, p95 <= GoalMs, details, note) { LowerIsBetter = true };
    }

    /// <summary>
    /// One agent action: even sequence numbers list the inbox, odd ones reply to a random conversation. Latency counts
    /// from <c>started</c> (the scheduled moment in the open loop) and is recorded once the warm-up is over.
    /// </summary>
    private sealed class AgentApi(HttpClient client, AuthenticationHeaderValue auth, IReadOnlyList<Guid>[] conversations)
    {
        public async Task ActAsync(long sequence, long started, long measureFrom, HistogramBase list, HistogramBase reply,
            CancellationToken cancellationToken)
        {
            var histogram = sequence % 2 == 0 ? list : reply;
            if (sequence % 2 == 0)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/conversations?status=open&limit=50");
                request.Headers.Authorization = auth;
                using var response = await client.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }
            else
            {
                // Claim-before-reply: an agent replies in one of the conversations it holds.
                var agent = (int)(sequence % Agents);
                var id = conversations[agent][Random.Shared.Next(conversations[agent].Count)];
                await BenchEnvironment.PostAsync(client, $"/v2/conversations/{id}/messages",
                    JsonBody.Of(new { agent = $"agent{agent}", text = "On it." }), auth, cancellationToken);
            }
            if (started >= measureFrom)
            {
                histogram.RecordValue(Math.Max(1, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMicroseconds));
            }
        }
    }

    private static CpuMeter Meter(int api, int postgres) =>
        CpuMeter.Start(("api", () => ProcessCpu.Of(api)), ("pg", () => ProcessCpu.OfTree(postgres)), CpuMeter.Self("bench"));

    // Each agent's claimed conversations (the ones it replies in), straight into the database like the open ones.
    private static async Task<IReadOnlyList<Guid>[]> SeedClaimedAsync(BenchEnvironment environment, Guid tenantId,
        CancellationToken cancellationToken)
    {
        const int PerAgent = 20;
        await using var connection = new NpgsqlConnection(environment.App.Database.System);
        await connection.OpenAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO conversations (id, tenant_id, name, status, claimed_by, last_seq, channel, interface, created_at, updated_at)
            SELECT gen_random_uuid(), $1, 'claimed ' || g, 'Claimed', 'agent' || (g % $2), 0, 'web', 'widget', now(), now()
            FROM generate_series(0, $2 * $3 - 1) g
            RETURNING id, claimed_by
            """, connection);
        insert.Parameters.AddWithValue(tenantId);
        insert.Parameters.AddWithValue(Agents);
        insert.Parameters.AddWithValue(PerAgent);
        var byAgent = Enumerable.Range(0, Agents).Select(_ => new List<Guid>(PerAgent)).ToArray();
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var agent = int.Parse(reader.GetString(1).AsSpan("agent".Length), System.Globalization.CultureInfo.InvariantCulture);
            byAgent[agent].Add(reader.GetGuid(0));
        }
        return byAgent;
    }

    // Open conversations straight into the database (system role): seeding is not what is measured.
    private static async Task<List<Guid>> SeedAsync(BenchEnvironment environment, Guid tenantId, int count, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(environment.App.Database.System);
        await connection.OpenAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO conversations (id, tenant_id, name, status, last_seq, channel, interface, created_at, updated_at)
            SELECT gen_random_uuid(), $1, 'load ' || g, 'Open', 0, 'web', 'widget', now() - g * interval '1 second', now() - g * interval '1 second'
            FROM generate_series(1, $2) g
            RETURNING id
            """, connection);
        insert.Parameters.AddWithValue(tenantId);
        insert.Parameters.AddWithValue(count);
        var ids = new List<Guid>(count);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }
}
