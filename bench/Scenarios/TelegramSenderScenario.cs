using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniChat.Core;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.RateLimiting;
using StackExchange.Redis;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 7: the Telegram sender against the sandbox with Telegram's flood limits on. One bot writes to 32 private
/// chats, a writer per chat sending without pause, for 60 s after a warm-up: the chats could take 32 messages a second,
/// the bot only 30, so the bot's limit is what binds. Ours = messages the sandbox accepted per second; baseline = the
/// 30/s limit; goal ≥ 95 % with not one 429.
/// </summary>
internal sealed class TelegramSenderScenario : IScenario
{
    private const int Chats = 32;
    private const double Limit = 30;

    public string Name => "telegram-sender";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var sandboxUrl = environment.App.ServiceUrls[ResourceNames.TelegramSandbox];
        await using var redis = await ConnectionMultiplexer.ConnectAsync(environment.App.RedisConnectionString);
        using var sender = new TelegramSender(new RedisRateLimiter(redis, NullLogger<RedisRateLimiter>.Instance),
            Options.Create(new TelegramOptions { ApiBaseUrl = sandboxUrl }), TimeProvider.System, NullLogger<TelegramSender>.Instance);
        var bot = new TelegramBot(environment.TenantId, $"{Random.Shared.NextInt64(100_000_000, 999_999_999)}:AAH{Guid.NewGuid():N}");
        var duration = settings.Quick ? settings.Duration : TimeSpan.FromSeconds(60);

        var result = await LoadRunner.RunAsync(Chats, settings.WarmUp, duration, worker =>
            sender.SendMessageAsync(bot, new TelegramOutgoingMessage(10_000 + worker, "benchmark message"), cancellationToken), cancellationToken);

        using var http = new HttpClient { BaseAddress = sandboxUrl };
        var stats = await http.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{bot.Id}/stats", cancellationToken);
        var refused = stats.GetProperty("tooManyRequests").GetInt64();
        var ratio = result.Throughput / Limit;

        Charts.ThroughputOverTime(Path.Combine(settings.OutputDirectory, "telegram-sender-throughput.png"),
            $"Telegram sends per second, {Chats} chats, one bot (limit {Limit:0}/s)", result.ThroughputPerSecond,
            [.. result.ThroughputPerSecond.Select(_ => Limit)]);
        return
        [
            new ScenarioResult(Name, $"one bot, {Chats} chats, {duration.TotalSeconds:0} s", "msg/s", result.Throughput, Limit, ratio, 0.95,
                ratio >= 0.95 && refused == 0 && result.Errors == 0, new Dictionary<string, double>
                {
                    ["too_many_requests"] = refused,
                    ["sent"] = stats.GetProperty("messagesSent").GetInt64(),
                    ["errors"] = result.Errors,
                    ["send_p50_ms"] = result.PercentileMs(50),
                    ["send_p99_ms"] = result.PercentileMs(99),
                }, "baseline = Telegram's 30 messages a second per bot; the sandbox enforces it (and 1/s per chat); pass needs 0 × 429; send latency includes the wait for a turn"),
        ];
    }
}
