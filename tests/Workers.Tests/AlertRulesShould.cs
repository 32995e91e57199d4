using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;
using StackExchange.Redis;
using YamlDotNet.RepresentationModel;

namespace OmniChat.Workers.Tests;

/// <summary>
/// <c>deploy/prometheus/alerts.yml</c> against what the services really export: the file loads, <c>promtool</c> accepts it,
/// and after a little traffic (a conversation answered, a Telegram send refused, a webhook receiver failing) every metric
/// its expressions name is on the Api's or the Workers' <c>/metrics</c>.
/// </summary>
public sealed partial class AlertRulesShould(WorkersFixture workers) : IAsyncLifetime
{
    private readonly string _rulesPath = Path.Combine(workers.App.Options.RepositoryRoot, "deploy", "prometheus", "alerts.yml");
    private readonly HttpClient _sandbox = new() { BaseAddress = workers.App.ServiceUrls[ResourceNames.TelegramSandbox] };
    private WebhookReceiver _receiver = null!;

    private static readonly string[] Severities = ["critical", "warning", "info"];
    private static readonly string[] MessageAdded = ["message.added"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _sandbox.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public void LoadWithAnExpressionNameAndSeverityForEveryRule()
    {
        var rules = LoadRules();

        Assert.Contains(rules, r => r.Alert == "TelegramSendFailures");
        Assert.Contains(rules, r => r.Alert == "ApiServerErrors");
        Assert.Contains(rules, r => r.Alert == "OutboxLagging");
        Assert.Contains(rules, r => r.Alert == "DeadLettersGrowing");
        Assert.Contains(rules, r => r.Alert == "WebhookFailureRate");
        Assert.Contains(rules, r => r.Alert == "TenantAtHardLimit");
        Assert.All(rules, r => Assert.NotEmpty(MetricNames(r.Expr)));
        Assert.All(rules, r => Assert.Contains(r.Severity, Severities));
    }

    [Fact]
    public async Task PassPromtoolCheckRules()
    {
        // Required, not optional: .ci/run installs Debian's prometheus package, which brings promtool.
        var promtool = FindOnPath("promtool");
        Assert.True(promtool is not null, "promtool is not on PATH: apt-get install -y prometheus (.ci/run installs it)");

        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "rules", _rulesPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.True(process.ExitCode == 0, $"promtool check rules failed:\n{await output}\n{await errors}");
        Assert.Contains("SUCCESS", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NameOnlyMetricsTheServicesExport()
    {
        var names = LoadRules().SelectMany(r => MetricNames(r.Expr)).ToHashSet(StringComparer.Ordinal);
        await ProduceTrafficAsync();

        // The Api recorded its part during the requests above: one scrape. The Workers' part (failures, sampled gauges) may
        // come a little later; only their /metrics is polled (the Api's is behind the per-IP rate limit every test shares).
        var api = await ScrapeAsync(ResourceNames.Api);
        string[] missing = [];
        await Eventually.HoldsAsync(async () =>
        {
            var exported = await ScrapeAsync(ResourceNames.Workers);
            missing = [.. names.Where(n => !api.Contains(n) && !exported.Contains(n)).Order(StringComparer.Ordinal)];
            return missing.Length == 0;
        }, "every metric the alert rules name is on a /metrics scrape");

        Assert.Empty(missing);
        Assert.Contains("omnichat_conversations_first_response_seconds_bucket", api);
    }

    // A conversation answered on the Api (v1, the default tenant); on a tenant of its own, a Telegram topic Telegram
    // refuses and a webhook receiver that answers 500, both handled by the Workers.
    private async Task ProduceTrafficAsync()
    {
        using var visitor = workers.Contract.CreateClient();
        using var started = await visitor.PostAsJsonAsync("/v1/conversations", new { name = "alerts" }, Ct);
        started.EnsureSuccessStatusCode();
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var conversation = body.GetProperty("conversationId").GetGuid();
        visitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        (await visitor.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { text = "is anyone there?" }, Ct)).EnsureSuccessStatusCode();
        using var admin = workers.Contract.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.ServiceToken);
        (await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversation}/reply", new { text = "yes", agent = "ops" }, Ct)).EnsureSuccessStatusCode();

        var tenant = await ConnectedTenantAsync();
        _receiver.Answer = (_, _) => 500;
        using var api = workers.Contract.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        (await api.PostAsJsonAsync("/v2/webhooks", new { url = new Uri(_receiver.BaseUrl, "/down").ToString(), events = MessageAdded }, Ct))
            .EnsureSuccessStatusCode();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "createForumTopic", errorCode = 400, description = "Bad Request: not enough rights to create a topic", count = 20 }, Ct))
            .EnsureSuccessStatusCode();

        await using var redis = await ConnectionMultiplexer.ConnectAsync(workers.App.RedisConnectionString);
        await using var data = PersistenceExtensions.BuildDataSource(workers.App.Database.App);
        var writer = new ConversationWriter(data, new RedisRealtimePublisher(redis, NullLogger<RedisRealtimePublisher>.Instance), TimeProvider.System);
        var started2 = await writer.StartAsync(tenant.Info, "Eve", "en", null, "web", "widget", Ct);
        await writer.AddMessageAsync(tenant.Info, started2.ConversationId, new MessageSource(MessageDirection.Inbound), "hello?", null, Ct);
        await _receiver.WaitForAsync("/down", r => r.Count >= 1);
    }

    // The series names on one service's /metrics.
    private async Task<HashSet<string>> ScrapeAsync(string service)
    {
        using var http = new HttpClient();
        var exported = new HashSet<string>(StringComparer.Ordinal);
        var text = await http.GetStringAsync(new Uri(workers.App.ServiceUrls[service], "/metrics"), Ct);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0 && line[0] != '#' && SeriesName().Match(line) is { Success: true } series)
            {
                exported.Add(series.Value);
            }
        }
        return exported;
    }

    private List<AlertRule> LoadRules()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(_rulesPath))
        {
            yaml.Load(reader);
        }
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var rules = new List<AlertRule>();
        foreach (var group in ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>())
        {
            foreach (var rule in ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            {
                var labels = rule.Children.TryGetValue("labels", out var l) ? (YamlMappingNode)l : new YamlMappingNode();
                rules.Add(new AlertRule(Scalar(rule, "alert"), Scalar(rule, "expr"),
                    labels.Children.TryGetValue("severity", out var severity) ? ((YamlScalarNode)severity).Value! : ""));
            }
        }
        Assert.NotEmpty(rules);
        return rules;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    /// <summary>
    /// The metric names a PromQL expression selects: what is left of its identifiers once strings, label matchers, range
    /// and offset durations, grouping clauses, function calls, keywords and numbers are taken out.
    /// </summary>
    internal static IReadOnlySet<string> MetricNames(string expr)
    {
        var text = Quoted().Replace(expr, " ");
        text = Braces().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match identifier in Identifier().Matches(text))
        {
            var rest = text.AsSpan(identifier.Index + identifier.Length).TrimStart();
            if (!(rest.Length > 0 && rest[0] == '(') && !Keywords.Contains(identifier.Value))
            {
                names.Add(identifier.Value);
            }
        }
        return names;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2",
    };

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex SeriesName();

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    // A tenant with its own bot and support group in the sandbox and an API key with every scope (as TelegramSupportGroupShould makes them).
    private async Task<ConnectedTenant> ConnectedTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = $"alerts-{id.ToString("N")[..12]}";
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Alerts test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t", id, identifier);
        var key = ApiKeySecret.Generate("test");
        await workers.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
        var token = string.Create(CultureInfo.InvariantCulture, $"{botId}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");
        using var group = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups", new { title = "Support" }, Ct);
        group.EnsureSuccessStatusCode();
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chatId").GetInt64();
        using var api = workers.Contract.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        (await api.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = groupId }, Ct)).EnsureSuccessStatusCode();
        return new ConnectedTenant(new TenantInfo(id, identifier, "Alerts test", TenantStatus.Active, Plan.BusinessId), key, botId);
    }

    private sealed record AlertRule(string Alert, string Expr, string Severity);

    private sealed record ConnectedTenant(TenantInfo Info, string ApiKey, long BotId);
}
