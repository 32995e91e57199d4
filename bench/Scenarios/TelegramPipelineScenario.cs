using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Identity;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 10: the whole Telegram pipeline, in a system of its own with the Workers (the other scenarios run without
/// them). N tenants, each with its own sandbox bot and forum support group, connected through <c>PUT /v2/channels/telegram</c>;
/// agents reply through <c>POST /v2/conversations/{id}/messages</c>, and each reply travels outbox → RabbitMQ → fan-out
/// consumer → delivery record → sender → the sandbox, which enforces Telegram's flood limits. What binds is Telegram's
/// 20 messages a minute into one group, so:
/// <list type="bullet">
/// <item>sustained: each tenant offers twice its group's limit; ours = replies the sandbox shows per second once the
/// burst allowance is spent; baseline = N × 20/min; goal ≥ 90 % with not one 429;</item>
/// <item>latency: each tenant writes at half its group's limit; from the moment the API write starts to the moment the
/// sandbox stored the message (one clock: both run here); reported, with the pipeline's own wake-ups in it.</item>
/// </list>
/// </summary>
internal sealed class TelegramPipelineScenario : IScenario
{
    private const double GroupLimitPerMinute = 20;

    public string Name => "telegram-pipeline";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var tenantCount = settings.Quick ? 3 : 12;
        var latencyWindow = settings.Quick ? TimeSpan.FromSeconds(12) : TimeSpan.FromSeconds(60);
        var sustainedWarmUp = settings.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(45);
        var sustainedWindow = settings.Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(120);

        Console.WriteLine("  starting a system with the Workers for the Telegram pipeline...");
        await using var system = await BenchEnvironment.StartAsync([ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Workers],
            cancellationToken);
        using var sandbox = new HttpClient { BaseAddress = system.App.ServiceUrls[ResourceNames.TelegramSandbox] };
        using var api = system.Client();
        var tenants = new List<PipelineTenant>();
        for (var i = 0; i < tenantCount; i++)
        {
            tenants.Add(await PipelineTenant.ConnectAsync(system, api, sandbox, i, cancellationToken));
        }
        // Each tenant's conversation, claimed, with its topic and welcome card in place before anything is timed.
        foreach (var tenant in tenants)
        {
            await tenant.StartConversationAsync(api, cancellationToken);
        }
        foreach (var tenant in tenants)
        {
            await tenant.WaitForTopicAsync(sandbox, cancellationToken);
        }

        // Latency at half the limit: one reply per tenant every 6 s.
        var latencies = new List<double>();
        var latencyRuns = tenants.Select(async tenant =>
        {
            var written = new List<(string Text, DateTimeOffset At)>();
            var interval = TimeSpan.FromMinutes(1) / (GroupLimitPerMinute / 2);
            var end = DateTimeOffset.UtcNow + latencyWindow;
            for (var n = 0; DateTimeOffset.UtcNow < end; n++)
            {
                var text = $"latency {n} {Guid.NewGuid():N}";
                var at = DateTimeOffset.UtcNow;
                await tenant.ReplyAsync(api, text, cancellationToken);
                written.Add((text, at));
                await Task.Delay(interval, cancellationToken);
            }
            var shown = await tenant.WaitForTextsAsync(sandbox, written.Select(w => w.Text).ToHashSet(), cancellationToken);
            return written.Select(w => (shown[w.Text] - w.At).TotalMilliseconds).ToList();
        });
        foreach (var run in await Task.WhenAll(latencyRuns))
        {
            latencies.AddRange(run);
        }
        latencies.Sort();

        // Sustained: twice the limit offered; counted from the sandbox's own timestamps inside the window.
        var started = DateTimeOffset.UtcNow;
        var windowStart = started + sustainedWarmUp;
        var windowEnd = windowStart + sustainedWindow;
        var offered = await Task.WhenAll(tenants.Select(async tenant =>
        {
            var interval = TimeSpan.FromMinutes(1) / (GroupLimitPerMinute * 2);
            var count = 0;
            while (DateTimeOffset.UtcNow < windowEnd)
            {
                await tenant.ReplyAsync(api, $"load {count++}", cancellationToken);
                await Task.Delay(interval, cancellationToken);
            }
            return count;
        }));
        // Whatever is still queued after the window does not count; what the window shows is read once it has passed.
        var delivered = 0;
        long tooMany = 0;
        foreach (var tenant in tenants)
        {
            var messages = await tenant.TopicMessagesAsync(sandbox, cancellationToken);
            delivered += messages.Count(m => m.Text.StartsWith("🎧 bench: load ", StringComparison.Ordinal) && m.SentAt >= windowStart && m.SentAt < windowEnd);
            var stats = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/stats", cancellationToken);
            tooMany += stats.GetProperty("tooManyRequests").GetInt64();
        }
        var rate = delivered / sustainedWindow.TotalSeconds;
        var limit = tenantCount * GroupLimitPerMinute / 60;
        var ratio = rate / limit;

        return
        [
            new ScenarioResult(Name, $"{tenantCount} tenants × one support group, twice the limit offered, {sustainedWindow.TotalSeconds:0} s window",
                "msg/s", rate, limit, ratio, 0.9, ratio >= 0.9 && tooMany == 0, new Dictionary<string, double>
                {
                    ["too_many_requests"] = tooMany,
                    ["delivered_in_window"] = delivered,
                    ["offered"] = offered.Sum(),
                }, "API reply → outbox → RabbitMQ → fan-out → delivery → sender → sandbox; baseline = N groups × Telegram's 20 messages a minute; pass needs 0 × 429"),
            new ScenarioResult(Name, $"{tenantCount} tenants at half the limit, API write → sandbox receipt", "ms", Percentile(latencies, 50),
                Percentile(latencies, 95), 0, 0, true, new Dictionary<string, double>
                {
                    ["p50_ms"] = Percentile(latencies, 50),
                    ["p95_ms"] = Percentile(latencies, 95),
                    ["max_ms"] = latencies.Count > 0 ? latencies[^1] : 0,
                    ["messages"] = latencies.Count,
                })
            {
                Informational = true,
                InformationalGoal = "reported (baseline column = p95)",
            },
        ];
    }

    private static double Percentile(List<double> sorted, double percentile) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)], 1);

    /// <summary>A tenant of the benchmark: its API key, sandbox bot and support group, and the conversation it replies in.</summary>
    private sealed class PipelineTenant
    {
        private AuthenticationHeaderValue _key = null!;
        private Guid _conversation;
        private int _thread;

        public long BotId { get; private init; }

        public long GroupId { get; private init; }

        public static async Task<PipelineTenant> ConnectAsync(BenchEnvironment system, HttpClient api, HttpClient sandbox, int index,
            CancellationToken cancellationToken)
        {
            var id = Guid.CreateVersion7();
            var key = ApiKeySecret.Generate("bench");
            await using (var connection = new NpgsqlConnection(system.App.Database.System))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("""
                    INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at)
                    VALUES (@tenant, @identifier, @identifier, @plan, 'Active', 'en', '{}', now(), now());
                    INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at)
                    VALUES (@key, @tenant, 'bench', @prefix, @hash, @scopes, now());
                    """, connection)
                {
                    Parameters =
                    {
                        new("tenant", id), new("identifier", $"bench-{index}"), new("plan", UnlimitedPlan.Id), new("key", Guid.CreateVersion7()),
                        new("prefix", ApiKeySecret.Prefix(key)), new("hash", ApiKeySecret.Hash(key)), new("scopes", ApiScopes.All.ToArray()),
                    },
                };
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
            var token = string.Create(CultureInfo.InvariantCulture, $"{botId}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");
            using var group = await sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups", new { title = $"Support {index}" }, cancellationToken);
            group.EnsureSuccessStatusCode();
            var tenant = new PipelineTenant
            {
                BotId = botId,
                GroupId = (await group.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("chatId").GetInt64(),
                _key = new AuthenticationHeaderValue("Bearer", key),
            };
            await tenant.SendAsync(api, HttpMethod.Put, "/v2/channels/telegram", new { botToken = token, supportGroupId = tenant.GroupId }, cancellationToken);
            return tenant;
        }

        public async Task StartConversationAsync(HttpClient api, CancellationToken cancellationToken)
        {
            var started = await SendAsync(api, HttpMethod.Post, "/v2/conversations", new { name = "Pipeline" }, cancellationToken);
            _conversation = started.GetProperty("conversation").GetProperty("id").GetGuid();
            await SendAsync(api, HttpMethod.Post, $"/v2/conversations/{_conversation}/claim", new { agent = "bench" }, cancellationToken);
        }

        public async Task WaitForTopicAsync(HttpClient sandbox, CancellationToken cancellationToken)
        {
            var until = DateTimeOffset.UtcNow.AddMinutes(2);
            while (true)
            {
                var topics = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{BotId}/chats/{GroupId}/topics", cancellationToken);
                if (topics.GetArrayLength() > 0)
                {
                    _thread = topics[0].GetProperty("threadId").GetInt32();
                    return;
                }
                if (DateTimeOffset.UtcNow > until)
                {
                    throw new TimeoutException($"No topic opened for bot {BotId} in 2 minutes: are the Workers running?");
                }
                await Task.Delay(200, cancellationToken);
            }
        }

        public async Task ReplyAsync(HttpClient api, string text, CancellationToken cancellationToken) =>
            await SendAsync(api, HttpMethod.Post, $"/v2/conversations/{_conversation}/messages", new { agent = "bench", text }, cancellationToken);

        /// <summary>When the sandbox stored each of <paramref name="texts"/> (as the agent's echo in the topic).</summary>
        public async Task<Dictionary<string, DateTimeOffset>> WaitForTextsAsync(HttpClient sandbox, HashSet<string> texts, CancellationToken cancellationToken)
        {
            var until = DateTimeOffset.UtcNow.AddMinutes(3);
            while (true)
            {
                var shown = (await TopicMessagesAsync(sandbox, cancellationToken))
                    .Where(m => m.Text.StartsWith("🎧 bench: ", StringComparison.Ordinal) && texts.Contains(m.Text["🎧 bench: ".Length..]))
                    .ToDictionary(m => m.Text["🎧 bench: ".Length..], m => m.SentAt);
                if (shown.Count == texts.Count)
                {
                    return shown;
                }
                if (DateTimeOffset.UtcNow > until)
                {
                    throw new TimeoutException($"Only {shown.Count} of {texts.Count} replies reached bot {BotId}'s topic in 3 minutes.");
                }
                await Task.Delay(250, cancellationToken);
            }
        }

        public async Task<List<(string Text, DateTimeOffset SentAt)>> TopicMessagesAsync(HttpClient sandbox, CancellationToken cancellationToken)
        {
            var messages = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{BotId}/chats/{GroupId}/messages", cancellationToken);
            return [.. messages.EnumerateArray()
                .Where(m => m.TryGetProperty("threadId", out var t) && t.ValueKind == JsonValueKind.Number && t.GetInt32() == _thread
                            && m.TryGetProperty("text", out var x) && x.ValueKind == JsonValueKind.String)
                .Select(m => (m.GetProperty("text").GetString()!, m.GetProperty("sentAt").GetDateTimeOffset()))];
        }

        private async Task<JsonElement> SendAsync(HttpClient api, HttpMethod method, string path, object body, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = _key;
            using var response = await api.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
    }
}
