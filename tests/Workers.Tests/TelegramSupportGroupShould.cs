using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;
using StackExchange.Redis;

namespace OmniChat.Workers.Tests;

/// <summary>
/// The support group as agents see it, against the sandbox: a topic per conversation with its welcome card, visitor
/// messages posted silently, replies from the API shown with the agent, a deleted topic healed, Telegram's flood control
/// waited out without a double post, a revoked token stopping its channel, and one tenant's trouble never delaying another.
/// </summary>
public sealed class TelegramSupportGroupShould(WorkersFixture workers) : IAsyncLifetime
{
    private readonly HttpClient _sandbox = new() { BaseAddress = workers.App.ServiceUrls[ResourceNames.TelegramSandbox] };
    private ConnectionMultiplexer _redis = null!;
    private ConversationWriter _writer = null!;
    private Npgsql.NpgsqlDataSource _app = null!;

    private static readonly string[] ChannelFailed = ["channel.failed"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(workers.App.RedisConnectionString);
        _app = PersistenceExtensions.BuildDataSource(workers.App.Database.App);
        _writer = new ConversationWriter(_app, new RedisRealtimePublisher(_redis, NullLogger<RedisRealtimePublisher>.Instance), TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        _sandbox.Dispose();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task OpenATopicWithItsCardPostTheVisitorSilentlyAndShowTheAgentsReply()
    {
        // A tenant of its own: the seeded tenants' groups also get a topic for every conversation other tests start, and a
        // group takes 20 messages a minute, so a shared group would queue this topic behind theirs.
        var tenant = await ConnectedTenantAsync();
        var id = await StartAsync(tenant, "Ann");
        await VisitorSaysAsync(tenant, id, "Hello, my order is late");

        var shortId = id.ToString("N")[^6..];
        var topic = await TopicAsync(tenant.BotId, tenant.GroupId, t => t.GetProperty("name").GetString() == $"#{shortId} Ann");
        var thread = topic.GetProperty("threadId").GetInt32();
        var inTopic = await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "Hello, my order is late");
        var card = inTopic.First(m => Text(m).StartsWith($"#{shortId} Ann", StringComparison.Ordinal));
        var visitorMessage = inTopic.Single(m => Text(m) == "Hello, my order is late");

        using var agent = ApiClient(tenant.ApiKey);
        (await agent.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "bob" }, Ct)).EnsureSuccessStatusCode();
        (await agent.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "bob", text = "Let me check" }, Ct)).EnsureSuccessStatusCode();
        await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "🎧 bob: Let me check");
        await TopicAsync(tenant.BotId, tenant.GroupId, t => t.GetProperty("name").GetString() == $"✅ bob · #{shortId} Ann");
        var listed = await (await agent.GetAsync(new Uri($"/v2/conversations/{id}/messages", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var delivery = listed.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("text").GetString() == "Hello, my order is late")
            .GetProperty("deliveries").EnumerateArray().Single();

        Assert.True(visitorMessage.GetProperty("silent").GetBoolean());
        Assert.True(card.GetProperty("fromBot").GetBoolean());
        var buttons = card.GetProperty("replyMarkup").GetRawText();
        Assert.Contains($"claim:{id:N}", buttons, StringComparison.Ordinal);
        Assert.Contains($"close:{id:N}", buttons, StringComparison.Ordinal);
        Assert.Single(inTopic, m => Text(m) == "Hello, my order is late");
        Assert.Equal("telegram_group", delivery.GetProperty("target").GetString());
        Assert.Equal("sent", delivery.GetProperty("status").GetString());
        Assert.Equal(visitorMessage.GetProperty("messageId").GetInt64(), delivery.GetProperty("telegramMessageId").GetInt64());
    }

    [Fact]
    public async Task OpenANewTopicWithASummaryWhenTheOldOneWasDeleted()
    {
        var tenant = await ConnectedTenantAsync();
        var id = await StartAsync(tenant, "Bea");
        await VisitorSaysAsync(tenant, id, "first question");
        var first = await TopicAsync(tenant.BotId, tenant.GroupId, t => t.GetProperty("name").GetString()!.EndsWith("Bea", StringComparison.Ordinal));
        var firstThread = first.GetProperty("threadId").GetInt32();
        await MessagesInAsync(tenant.BotId, tenant.GroupId, firstThread, m => Text(m) == "first question");

        (await _sandbox.DeleteAsync(new Uri($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/topics/{firstThread}", UriKind.Relative), Ct))
            .EnsureSuccessStatusCode();
        await VisitorSaysAsync(tenant, id, "are you there?");

        var second = await TopicAsync(tenant.BotId, tenant.GroupId,
            t => t.GetProperty("threadId").GetInt32() != firstThread && t.GetProperty("name").GetString()!.EndsWith("Bea", StringComparison.Ordinal));
        var healed = await MessagesInAsync(tenant.BotId, tenant.GroupId, second.GetProperty("threadId").GetInt32(), m => Text(m) == "are you there?");
        Assert.Contains(healed, m => Text(m).Contains("first question", StringComparison.Ordinal) && Text(m).StartsWith("♻️", StringComparison.Ordinal));
        Assert.Single(healed, m => Text(m) == "are you there?");
    }

    [Fact]
    public async Task WaitOutFloodControlAndPostTheMessageOnce()
    {
        var tenant = await ConnectedTenantAsync();
        var id = await StartAsync(tenant, "Cid");
        await VisitorSaysAsync(tenant, id, "warm-up");
        var thread = (await TopicAsync(tenant.BotId, tenant.GroupId, t => t.GetProperty("name").GetString()!.EndsWith("Cid", StringComparison.Ordinal)))
            .GetProperty("threadId").GetInt32();
        await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "warm-up");

        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "sendMessage", errorCode = 429, retryAfter = 3, count = 1 }, Ct)).EnsureSuccessStatusCode();
        var injected = DateTimeOffset.UtcNow;
        await VisitorSaysAsync(tenant, id, "after the flood");

        var messages = await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "after the flood");
        var delivered = Assert.Single(messages, m => Text(m) == "after the flood");
        Assert.True(delivered.GetProperty("sentAt").GetDateTimeOffset() >= injected.AddSeconds(3),
            "Telegram asked for 3 s; the message must not arrive sooner");
        var stats = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{tenant.BotId}/stats", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, stats.GetProperty("faultsServed").GetInt32());
    }

    [Fact]
    public async Task StopTheChannelWhenTelegramRevokesTheTokenWithoutRetrying()
    {
        var tenant = await ConnectedTenantAsync();
        await using var receiver = await WebhookReceiver.StartAsync(await workers.Contract.GetAsync(Ct));
        using var api = ApiClient(tenant.ApiKey);
        (await api.PostAsJsonAsync("/v2/webhooks", new { url = new Uri(receiver.BaseUrl, "/failed").ToString(), events = ChannelFailed }, Ct))
            .EnsureSuccessStatusCode();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "createForumTopic", errorCode = 401, description = "Unauthorized", count = 5 }, Ct)).EnsureSuccessStatusCode();
        var id = await StartAsync(tenant, "Dan");

        await Eventually.HoldsAsync(async () =>
        {
            var channel = await (await api.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            return channel.GetProperty("status").GetString() == "inactive: token revoked";
        }, "the channel shows the revoked token");
        var channelNow = await (await api.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        await VisitorSaysAsync(tenant, id, "anyone?");
        var stats = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{tenant.BotId}/stats", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        var failed = Assert.Single(await receiver.WaitForAsync("/failed", r => r.Count >= 1));
        var data = JsonDocument.Parse(failed.Body).RootElement.GetProperty("data");

        Assert.Contains("Unauthorized", channelNow.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal("channel.failed", JsonDocument.Parse(failed.Body).RootElement.GetProperty("type").GetString());
        Assert.Equal("telegram", data.GetProperty("channel").GetString());
        Assert.Equal("inactive: token revoked", data.GetProperty("status").GetString());
        Assert.DoesNotContain(tenant.BotId.ToString(CultureInfo.InvariantCulture) + ":", failed.Body, StringComparison.Ordinal);
        // One refused call, then nothing: the channel waits for the tenant to reconnect it.
        Assert.Equal(1, stats.GetProperty("faultsServed").GetInt32());
        Assert.Equal(1L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'Pending' AND kind = 'topic'",
            tenant.TenantId, id));
    }

    [Fact]
    public async Task ListADeliveryWhoseRetriesRanOutForTheOperatorWhoCanReplayIt()
    {
        var tenant = await ConnectedTenantAsync();
        var other = await ConnectedTenantAsync();
        var id = await StartAsync(tenant, "Fay");
        await VisitorSaysAsync(tenant, id, "warm-up");
        var thread = (await TopicAsync(tenant.BotId, tenant.GroupId, t => t.GetProperty("name").GetString()!.EndsWith("Fay", StringComparison.Ordinal)))
            .GetProperty("threadId").GetInt32();
        await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "warm-up");
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "sendMessage", errorCode = 500, description = "Internal Server Error", count = 6 }, Ct)).EnsureSuccessStatusCode();
        var lost = await VisitorSaysAsync(tenant, id, "lost for a while");
        using var operatorApi = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Workers] };
        operatorApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.Operator.Token);

        JsonElement dead = default;
        await Eventually.HoldsAsync(async () =>
        {
            var list = await (await operatorApi.GetAsync(new Uri($"/v2/operator/telegram/dead-letters?tenantId={tenant.TenantId}", UriKind.Relative), Ct))
                .Content.ReadFromJsonAsync<JsonElement>(Ct);
            foreach (var letter in list.GetProperty("deadLetters").EnumerateArray()
                         .Where(d => d.GetProperty("messageId").ValueKind == JsonValueKind.String && d.GetProperty("messageId").GetGuid() == lost.Message.Id))
            {
                dead = letter.Clone();
                return true;
            }
            return false;
        }, "the delivery is listed as dead once its retries ran out");
        var otherTenants = await (await operatorApi.GetAsync(new Uri($"/v2/operator/telegram/dead-letters?tenantId={other.TenantId}", UriKind.Relative), Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        using var anonymous = new HttpClient { BaseAddress = operatorApi.BaseAddress };
        using var withoutToken = await anonymous.PostAsync(new Uri($"/v2/operator/telegram/dead-letters/{dead.GetProperty("id").GetGuid()}/replay", UriKind.Relative), null, Ct);
        using var replay = await operatorApi.PostAsync(new Uri($"/v2/operator/telegram/dead-letters/{dead.GetProperty("id").GetGuid()}/replay", UriKind.Relative), null, Ct);

        var delivered = await MessagesInAsync(tenant.BotId, tenant.GroupId, thread, m => Text(m) == "lost for a while");
        Assert.Equal("dead", dead.GetProperty("status").GetString());
        Assert.Contains("sendMessage failed", dead.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, otherTenants.GetProperty("deadLetters").GetArrayLength());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Single(delivered, m => Text(m) == "lost for a while");
        Assert.Equal(1L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND action = 'telegram.delivery_replayed_by_operator'", tenant.TenantId));
    }

    [Fact]
    public async Task WalkTheDeepHealthCheckThroughTopicAndWelcomeAndCleanUp()
    {
        var tenant = await ConnectedTenantAsync();
        using var api = ApiClient(tenant.ApiKey);

        using var response = await api.GetAsync(new Uri($"/health/deep?tenant={tenant.Info.Identifier}", UriKind.Relative), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var topics = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/topics", UriKind.Relative), Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(["conversation", "topic", "welcome", "token", "cleanup"],
            body.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.All(body.GetProperty("steps").EnumerateArray(), s => Assert.Equal("ok", s.GetProperty("status").GetString()));
        Assert.All(topics.EnumerateArray(), t => Assert.True(t.GetProperty("deleted").GetBoolean()));
        Assert.Equal(1, topics.GetArrayLength());
        Assert.Equal(0L, await workers.ScalarAsync<long>("SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.TenantId));
    }

    [Fact]
    public async Task NameTheStepThatFailsInTheDeepHealthCheckAndKeepItToItsTenant()
    {
        var broken = await ConnectedTenantAsync();
        var other = await ConnectedTenantAsync();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{broken.BotId}/faults",
            new { method = "createForumTopic", errorCode = 400, description = "Bad Request: not enough rights to create a topic", count = 100 }, Ct))
            .EnsureSuccessStatusCode();
        using var api = ApiClient(broken.ApiKey);
        using var operatorApi = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Api] };
        operatorApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.Operator.Token);
        using var anonymous = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Api] };

        using var failing = await api.GetAsync(new Uri($"/health/deep?tenant={broken.Info.Identifier}", UriKind.Relative), Ct);
        using var otherTenantsKey = await api.GetAsync(new Uri($"/health/deep?tenant={other.Info.Identifier}", UriKind.Relative), Ct);
        using var byOperator = await operatorApi.GetAsync(new Uri($"/health/deep?tenant={other.Info.Identifier}", UriKind.Relative), Ct);
        using var withoutCredential = await anonymous.GetAsync(new Uri($"/health/deep?tenant={other.Info.Identifier}", UriKind.Relative), Ct);
        var problem = await failing.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        Assert.Equal("application/problem+json", failing.Content.Headers.ContentType?.MediaType);
        Assert.Equal("deep_health_failed", problem.GetProperty("code").GetString());
        Assert.Equal("topic", problem.GetProperty("step").GetString());
        Assert.Contains(problem.GetProperty("steps").EnumerateArray(),
            s => s.GetProperty("name").GetString() == "cleanup" && s.GetProperty("status").GetString() == "ok");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, otherTenantsKey.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, byOperator.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withoutCredential.StatusCode);
        Assert.Equal(0L, await workers.ScalarAsync<long>("SELECT count(*) FROM conversations WHERE tenant_id = $1", broken.TenantId));
    }

    [Fact]
    public async Task KeepEveryBotTokenOutOfTheServicesLogs()
    {
        // What touches a token: connecting, rotating, a refused token, Telegram failing and revoking, deep health, webhooks.
        var tenant = await ConnectedTenantAsync();
        using var api = ApiClient(tenant.ApiKey);
        (await api.PostAsync(new Uri("/v2/channels/telegram/rotate-secret", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        // A bot the sandbox made (it knows its token), named with a secret it never gave out.
        using var made = await _sandbox.PostAsJsonAsync("/sandbox/bots", new { username = "leak_check_bot", firstName = "Leak check" }, Ct);
        var madeBot = (await made.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("botId").GetInt64();
        var refused = $"{madeBot}:AAnotTheTokenTheSandboxGaveThisBot0123456";
        using var wrongToken = await api.PutAsJsonAsync("/v2/channels/telegram", new { botToken = refused, supportGroupId = tenant.GroupId }, Ct);
        (await api.GetAsync(new Uri($"/health/deep?tenant={tenant.Info.Identifier}", UriKind.Relative), Ct)).EnsureSuccessStatusCode();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "sendMessage", errorCode = 502, description = "Bad Gateway", count = 6 }, Ct)).EnsureSuccessStatusCode();
        var id = await StartAsync(tenant, "Gus");
        await VisitorSaysAsync(tenant, id, "hello?");
        await Eventually.HoldsAsync(async () => await workers.ScalarAsync<long>(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND status = 'Dead'", tenant.TenantId) > 0, "the send gave up");
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "sendMessage", errorCode = 401, description = "Unauthorized", count = 1 }, Ct)).EnsureSuccessStatusCode();
        await VisitorSaysAsync(tenant, id, "still there?");
        await Eventually.HoldsAsync(async () => await workers.ScalarAsync<string>(
            "SELECT status FROM telegram_channels WHERE tenant_id = $1", tenant.TenantId) == "Inactive", "the channel stopped");

        var tokens = workers.App.Credentials.Tenants.Where(t => t.Telegram is not null).Select(t => t.Telegram!.BotToken)
            .Append(tenant.BotToken).Append(refused).ToList();
        // Every service's log, the AppHost's own included; not the sandbox's, which plays Telegram's servers (they see tokens in URLs).
        var logs = Directory.GetFiles(workers.App.LogDirectory, "*.log").Where(f => !Path.GetFileName(f).StartsWith(ResourceNames.TelegramSandbox, StringComparison.Ordinal))
            .ToList();
        var leaks = new List<string>();
        foreach (var log in logs)
        {
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(Ct);
            // The secret half alone is the token too (the bot id before the colon is public).
            leaks.AddRange(tokens.Where(t => text.Contains(t.Split(':')[1], StringComparison.Ordinal)).Select(t => $"{Path.GetFileName(log)}: {t[..4]}…"));
        }

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, wrongToken.StatusCode);
        Assert.Equal("telegram_token_invalid", (await wrongToken.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        Assert.Contains(logs, l => Path.GetFileName(l).StartsWith(ResourceNames.Api, StringComparison.Ordinal));
        Assert.Contains(logs, l => Path.GetFileName(l).StartsWith(ResourceNames.Workers, StringComparison.Ordinal));
        Assert.Empty(leaks);
    }

    [Fact]
    public async Task NeverLetOneTenantsFloodWaitDelayAnother()
    {
        var slow = await ConnectedTenantAsync();
        var fast = await ConnectedTenantAsync();
        // Every call of the slow tenant's bot meets flood control for a minute.
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{slow.BotId}/faults",
            new { method = "createForumTopic", errorCode = 429, retryAfter = 60, count = 100 }, Ct)).EnsureSuccessStatusCode();
        for (var i = 0; i < 6; i++)
        {
            await StartAsync(slow, $"Slow {i}");
        }
        var fastId = await StartAsync(fast, "Eve");
        await VisitorSaysAsync(fast, fastId, "quick one");

        var thread = (await TopicAsync(fast.BotId, fast.GroupId, t => t.GetProperty("name").GetString()!.EndsWith("Eve", StringComparison.Ordinal)))
            .GetProperty("threadId").GetInt32();
        await MessagesInAsync(fast.BotId, fast.GroupId, thread, m => Text(m) == "quick one");
        var slowTopics = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{slow.BotId}/chats/{slow.GroupId}/topics", UriKind.Relative), Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(0, slowTopics.GetArrayLength());
    }

    private static string Text(JsonElement message) =>
        message.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";

    private async Task<JsonElement> TopicAsync(long botId, long groupId, Func<JsonElement, bool> match)
    {
        JsonElement found = default;
        await Eventually.HoldsAsync(async () =>
        {
            var topics = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{botId}/chats/{groupId}/topics", UriKind.Relative), Ct))
                .Content.ReadFromJsonAsync<JsonElement>(Ct);
            foreach (var topic in topics.EnumerateArray().Where(t => !t.GetProperty("deleted").GetBoolean()))
            {
                if (match(topic))
                {
                    found = topic.Clone();
                    return true;
                }
            }
            return false;
        }, $"a topic of bot {botId} matches");
        return found;
    }

    private async Task<List<JsonElement>> MessagesInAsync(long botId, long groupId, int thread, Func<JsonElement, bool> until)
    {
        List<JsonElement> inThread = [];
        await Eventually.HoldsAsync(async () =>
        {
            var messages = await (await _sandbox.GetAsync(new Uri($"/sandbox/bots/{botId}/chats/{groupId}/messages", UriKind.Relative), Ct))
                .Content.ReadFromJsonAsync<JsonElement>(Ct);
            inThread = [.. messages.EnumerateArray().Where(m => m.TryGetProperty("threadId", out var t) && t.ValueKind == JsonValueKind.Number
                                                                  && t.GetInt32() == thread).Select(m => m.Clone())];
            return inThread.Any(until);
        }, $"the topic {thread} of bot {botId} shows the message");
        return inThread;
    }

    private HttpClient ApiClient(string key)
    {
        var client = workers.Contract.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task<Guid> StartAsync(ConnectedTenant tenant, string name) =>
        (await _writer.StartAsync(tenant.Info, name, "en", null, "web", "widget", Ct)).ConversationId;

    private Task<AddedMessage> VisitorSaysAsync(ConnectedTenant tenant, Guid conversationId, string text) =>
        _writer.AddMessageAsync(tenant.Info, conversationId, new MessageSource(OmniChat.Core.Messages.MessageDirection.Inbound), text, null, Ct);

    /// <summary>A tenant of its own with a fresh sandbox bot and forum group, connected through the Api as a tenant would.</summary>
    private async Task<ConnectedTenant> ConnectedTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = $"tg-{id.ToString("N")[..12]}";
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Telegram test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t", id, identifier);
        var key = ApiKeySecret.Generate("test");
        await workers.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
        var token = string.Create(CultureInfo.InvariantCulture, $"{botId}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");
        using var group = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups", new { title = "Support" }, Ct);
        group.EnsureSuccessStatusCode();
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chatId").GetInt64();
        using var api = ApiClient(key);
        (await api.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = groupId }, Ct)).EnsureSuccessStatusCode();
        return new ConnectedTenant(new TenantInfo(id, identifier, "Telegram test", TenantStatus.Active, Plan.BusinessId), key, botId, groupId, token);
    }

    private sealed record ConnectedTenant(TenantInfo Info, string ApiKey, long BotId, long GroupId, string BotToken)
    {
        public Guid TenantId => Info.Id;
    }
}
