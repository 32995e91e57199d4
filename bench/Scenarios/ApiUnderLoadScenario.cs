using System.Net.Http.Headers;
using System.Net.Http.Json;
using HdrHistogram;
using Npgsql;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 8: the agent API under load. A tenant with 10,000 open conversations; 50 agents each alternate listing
/// open conversations (first page, newest activity first) and replying to a random one. The goal is absolute: p95 of
/// each operation ≤ 40 ms, reported with the machine's core count (the baseline column holds the goal).
/// </summary>
internal sealed class ApiUnderLoadScenario : IScenario
{
    private const double GoalMs = 40;

    public string Name => "api-under-load";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var tenant = environment.App.Credentials.Tenants.Single(t => t.Identifier == "default");
        var open = settings.Quick ? 1_000 : 10_000;
        var conversations = await SeedAsync(environment, tenant.Id, open, cancellationToken);
        using var client = environment.Client();
        var auth = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        var list = new LongConcurrentHistogram(1, 60_000_000, 3);
        var reply = new LongConcurrentHistogram(1, 60_000_000, 3);
        var step = 0L;

        var result = await LoadRunner.RunAsync(50, settings.WarmUp, settings.Duration, async agent =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (Interlocked.Increment(ref step) % 2 == 0)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/conversations?status=open&limit=50");
                request.Headers.Authorization = auth;
                using var response = await client.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                list.RecordValue(Math.Max(1, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMicroseconds));
            }
            else
            {
                var id = conversations[Random.Shared.Next(conversations.Count)];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/conversations/{id}/messages")
                {
                    Content = JsonContent.Create(new { agent = $"agent{agent}", text = "On it." }),
                };
                request.Headers.Authorization = auth;
                using var response = await client.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                reply.RecordValue(Math.Max(1, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMicroseconds));
            }
        }, cancellationToken);

        ScenarioResult Line(string operation, HistogramBase histogram)
        {
            var p95 = histogram.GetValueAtPercentile(95) / 1000.0;
            return new ScenarioResult(Name, $"{operation}, 50 agents, {open:N0} open conversations, {Environment.ProcessorCount} cores", "ms p95", p95, GoalMs,
                p95 / GoalMs, 1.0, p95 <= GoalMs,
                new Dictionary<string, double>
                {
                    ["p50_ms"] = histogram.GetValueAtPercentile(50) / 1000.0, ["p99_ms"] = histogram.GetValueAtPercentile(99) / 1000.0,
                    ["ops"] = histogram.TotalCount, ["errors"] = result.Errors,
                },
                "absolute goal (baseline column = 40 ms)")
            { LowerIsBetter = true };
        }
        return [Line("list", list), Line("reply", reply)];
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
