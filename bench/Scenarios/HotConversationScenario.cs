using Npgsql;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 2: 32 writers on one conversation. Every seq must be present exactly once (0 gaps, 0 duplicates), and the
/// throughput is compared with what one writer could do serially (1 / its median latency), both measured in alternating
/// slices. Goal ≥ 70 %.
/// </summary>
internal sealed class HotConversationScenario : IScenario
{
    private static readonly byte[] HotMessage = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { text = "hot" });

    public string Name => "hot-conversation";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        using var client = environment.Client();
        Func<int, Task> Writer(Guid id, System.Net.Http.Headers.AuthenticationHeaderValue token) => _ =>
            BenchEnvironment.PostAsync(client, $"/v1/conversations/{id}/messages", JsonBody.Of(HotMessage), token, cancellationToken);

        var (singleId, singleToken) = await BenchEnvironment.StartConversationAsync(client, cancellationToken);
        var (hotId, hotToken) = await BenchEnvironment.StartConversationAsync(client, cancellationToken);
        var sides = await LoadRunner.AlternateAsync(
            [new LoadSide(1, Writer(singleId, singleToken)), new LoadSide(32, Writer(hotId, hotToken))],
            settings.WarmUp, settings.Duration, settings.Rounds, [], cancellationToken);
        var (single, hot) = (sides[0].Load, sides[1].Load);

        await using var connection = new NpgsqlConnection(environment.App.Database.System);
        await connection.OpenAsync(cancellationToken);
        await using var check = new NpgsqlCommand(
            "SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0), (SELECT last_seq FROM conversations WHERE id = $1) FROM messages WHERE conversation_id = $1",
            connection);
        check.Parameters.AddWithValue(hotId);
        await using var reader = await check.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (rows, distinct, max, lastSeq) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        var duplicates = rows - distinct;
        var gaps = max - distinct;

        var serialCeiling = 1000.0 / single.PercentileMs(50);
        var ratio = hot.Throughput / serialCeiling;
        var intact = duplicates == 0 && gaps == 0 && lastSeq == max;
        Charts.ThroughputOverTime(Path.Combine(settings.OutputDirectory, "hot-conversation-throughput.png"),
            "32 writers on one conversation (msg/s)", hot.ThroughputPerSecond, []);
        return
        [
            new ScenarioResult(Name, "32 writers, one conversation", "msg/s", hot.Throughput, serialCeiling, ratio, 0.70, ratio >= 0.70 && intact,
                new Dictionary<string, double>
                {
                    ["seq_rows"] = rows, ["seq_duplicates"] = duplicates, ["seq_gaps"] = gaps,
                    ["single_p50_ms"] = single.PercentileMs(50), ["hot_p50_ms"] = hot.PercentileMs(50), ["hot_p99_ms"] = hot.PercentileMs(99),
                    ["errors"] = hot.Errors,
                },
                intact ? "seq 1..N intact" : $"seq broken: {duplicates} duplicates, {gaps} gaps"),
        ];
    }
}
