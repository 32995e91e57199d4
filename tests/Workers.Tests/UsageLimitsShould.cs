using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OmniChat.Core.Identity;
using OmniChat.Core.Outbox;
using OmniChat.TestKit;

namespace OmniChat.Workers.Tests;

/// <summary>
/// Plan limits end to end: the Workers meter conversations from the event stream, a tenant driven past its soft share gets
/// exactly one <c>limit.reached</c> webhook, and past its hard limit a new conversation is 402 <c>limit_exceeded</c>
/// while an existing one still takes visitor messages and agent replies; an event delivered again is metered once. Each
/// test has its own tenant on its own plan.
/// </summary>
public sealed class UsageLimitsShould(WorkersFixture workers) : IAsyncLifetime
{
    private static readonly string[] LimitReached = ["limit.reached"];
    private WebhookReceiver _receiver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(await workers.Contract.GetAsync(Ct));

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    [Fact]
    public async Task WarnOnceAtTheSoftShareRefuseNewConversationsAtTheLimitAndKeepExistingOnesWorking()
    {
        // 5 conversations a month, warned at 60 %: the third conversation reaches the soft share, the fifth the limit.
        var (tenantId, key) = await TenantOnPlanAsync(conversations: 5, softPercent: 60);
        using var api = Api(key);
        using (var subscribed = await api.PostAsJsonAsync("/v2/webhooks",
                   new { url = new Uri(_receiver.BaseUrl, "/limits").ToString(), events = LimitReached }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }

        var first = await StartAsync(api);
        await StartAsync(api);
        await StartAsync(api);
        await UsedAsync(api, 3);
        var soft = await _receiver.WaitForAsync("/limits", r => r.Count >= 1);
        await StartAsync(api);
        await StartAsync(api);
        await UsedAsync(api, 5);

        using var refused = await api.PostAsJsonAsync("/v2/conversations", new { name = "one too many" }, Ct);
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("limit_exceeded", problem.GetProperty("code").GetString());
        Assert.Equal("conversationsPerMonth", problem.GetProperty("limit").GetString());
        Assert.Equal(5, problem.GetProperty("used").GetInt64());
        Assert.Equal(5, problem.GetProperty("max").GetInt64());
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1), problem.GetProperty("resetsAt").GetDateTimeOffset());

        // The existing conversation keeps working: the visitor writes, an agent claims and replies.
        using (var visitor = workers.Contract.CreateClient())
        {
            visitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", first.Token);
            using var written = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{first.Id}/messages", new { text = "Still there?" }, Ct);
            Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        }
        using (var claimed = await api.PostAsJsonAsync($"/v2/conversations/{first.Id}/claim", new { agent = "alice" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        }
        using (var replied = await api.PostAsJsonAsync($"/v2/conversations/{first.Id}/messages", new { agent = "alice", text = "Yes, here." }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, replied.StatusCode);
        }

        // One webhook per level: the soft one (once, whatever came after) and the hard one.
        var all = await _receiver.WaitForAsync("/limits", r => r.Count >= 2);
        var levels = all.Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("data"))
            .Select(data => (data.GetProperty("limit").GetString(), data.GetProperty("level").GetString())).ToList();
        Assert.Equal([("conversationsPerMonth", "hard"), ("conversationsPerMonth", "soft")], levels.Order());
        var softData = JsonDocument.Parse(soft[0].Body).RootElement.GetProperty("data");
        Assert.Equal(("soft", 3L, 5L), (softData.GetProperty("level").GetString(), softData.GetProperty("used").GetInt64(), softData.GetProperty("max").GetInt64()));
        Assert.Equal(2L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND action = 'limit.reached'", tenantId));
        using var usage = await api.GetAsync(new Uri("/v2/usage", UriKind.Relative), Ct);
        var reached = (await usage.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reached");
        Assert.Equal(2, reached.GetArrayLength());
    }

    [Fact]
    public async Task CountEachTenantsUsageOnItsOwn()
    {
        var (_, firstKey) = await TenantOnPlanAsync(conversations: 100, softPercent: 80);
        var (_, secondKey) = await TenantOnPlanAsync(conversations: 100, softPercent: 80);
        using var first = Api(firstKey);
        using var second = Api(secondKey);

        var conversation = await StartAsync(first);
        await StartAsync(first);
        await StartAsync(second);
        using (var claimed = await first.PostAsJsonAsync($"/v2/conversations/{conversation.Id}/claim", new { agent = "bob" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        }
        using (var replied = await first.PostAsJsonAsync($"/v2/conversations/{conversation.Id}/messages", new { agent = "bob", text = "Hello" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, replied.StatusCode);
        }
        using (var note = await first.PostAsJsonAsync($"/v2/conversations/{conversation.Id}/notes", new { text = "internal" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        }

        await UsedAsync(first, 2, messages: 1);
        await UsedAsync(second, 1, messages: 0);
    }

    [Fact]
    public async Task MeterAnEventThatIsDeliveredAgainOnlyOnce()
    {
        using var pair = await TwoTenantsWithOneMeteredConversationAsync(conversations: 100);
        var (tenantId, api, _, other, row) = pair;

        // What a dispatcher does when its publish was confirmed and its "sent" mark was lost: the same row again, under the
        // same message id, here twice.
        var publisher = new MassTransitOutboxPublisher(workers.Bus);
        await publisher.PublishAsync(row, Ct);
        await publisher.PublishAsync(row, Ct);
        // A later conversation's event, queued behind both repeats: the meter is handed them before it. (It runs up to 16 at
        // once, so that is the queue's order rather than a strict barrier; a meter that counted the repeats fails here.)
        await StartAsync(api);

        // The period's count rose by one per conversation, not per delivery; the other tenant's stayed as it was.
        await UsedAsync(api, 2);
        Assert.Equal(1L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM processed_messages WHERE tenant_id = $1 AND consumer = 'usage' AND message_id = $2", tenantId, row.Id));
        Assert.Equal(1L, await MeteredAsync(other, "conversations"));
    }

    [Fact]
    public async Task RecordAMissedSoftNoticeWhenAnAlreadyCountedEventComesAgain()
    {
        using var pair = await TwoTenantsWithOneMeteredConversationAsync(conversations: 10);
        var (tenantId, api, otherId, _, row) = pair;
        // What a failure between the two statements leaves: the event counted (and the period now at the soft share), its
        // notice never recorded; the event then comes again, as a retry does.
        await using (var connection = new NpgsqlConnection(workers.App.Database.System))
        {
            await connection.OpenAsync(Ct);
            await using var counted = new NpgsqlCommand(
                "UPDATE usage_counters SET count = 8 WHERE tenant_id = $1 AND meter = 'conversations'", connection)
            {
                Parameters = { new() { Value = tenantId } },
            };
            Assert.Equal(1, await counted.ExecuteNonQueryAsync(Ct));
        }

        await new MassTransitOutboxPublisher(workers.Bus).PublishAsync(row, Ct);

        await Eventually.HoldsAsync(async () => await workers.ScalarAsync<long>(
            "SELECT count(*) FROM limit_notices WHERE tenant_id = $1 AND meter = 'conversations' AND level = 'soft' AND used = 8", tenantId) == 1,
            "the soft notice is recorded from the repeat");
        await UsedAsync(api, 8);
        Assert.Equal(0L, await workers.ScalarAsync<long>("SELECT count(*) FROM limit_notices WHERE tenant_id = $1", otherId));
    }

    /// <summary>Two tenants on plans of their own (soft share 80 %), each with one conversation metered; the first's outbox row.</summary>
    private async Task<MeteredPair> TwoTenantsWithOneMeteredConversationAsync(int conversations)
    {
        var (tenantId, key) = await TenantOnPlanAsync(conversations, softPercent: 80);
        var (otherId, otherKey) = await TenantOnPlanAsync(conversations, softPercent: 80);
        var pair = new MeteredPair(tenantId, Api(key), otherId, Api(otherKey), null!);
        var started = await StartAsync(pair.Api);
        await StartAsync(pair.Other);
        await UsedAsync(pair.Api, 1);
        await UsedAsync(pair.Other, 1);
        return pair with { Row = await OutboxRowAsync(tenantId, started.Id) };
    }

    private sealed record MeteredPair(Guid TenantId, HttpClient Api, Guid OtherId, HttpClient Other, OutboxRow Row) : IDisposable
    {
        public void Dispose()
        {
            Api.Dispose();
            Other.Dispose();
        }
    }

    private HttpClient Api(string key)
    {
        var client = workers.Contract.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(Guid Id, string Token)> StartAsync(HttpClient api)
    {
        using var started = await api.PostAsJsonAsync("/v2/conversations", new { name = "Limits" }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (body.GetProperty("conversation").GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    /// <summary>
    /// Waits until the Workers have metered exactly these counts (read from the counters, not through the Api, whose per-IP
    /// limit every test on this machine shares), then checks that <c>GET /v2/usage</c> shows them.
    /// </summary>
    private async Task UsedAsync(HttpClient api, long conversations, long? messages = null)
    {
        long seenConversations = 0, seenMessages = 0;
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                seenConversations = await MeteredAsync(api, "conversations");
                seenMessages = await MeteredAsync(api, "messages");
                return seenConversations == conversations && (messages is null || seenMessages == messages);
            }, $"usage shows {conversations} conversations and {messages} messages");
        }
        catch (TimeoutException ex)
        {
            // The description is made before the wait: what was last seen is only known now.
            throw new TimeoutException($"{ex.Message} (last seen {seenConversations} and {seenMessages})", ex);
        }
        using var response = await api.GetAsync(new Uri("/v2/usage", UriKind.Relative), Ct);
        response.EnsureSuccessStatusCode();
        var meters = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("meters").EnumerateArray().ToList();
        Assert.Equal(conversations, meters.Single(m => m.GetProperty("limit").GetString() == "conversationsPerMonth").GetProperty("used").GetInt64());
        Assert.Equal(seenMessages, meters.Single(m => m.GetProperty("limit").GetString() == "messagesPerMonth").GetProperty("used").GetInt64());
    }

    private Task<long> MeteredAsync(HttpClient api, string meter) =>
        workers.ScalarAsync<long>(
            "SELECT coalesce(sum(u.count), 0)::bigint FROM usage_counters u JOIN api_keys k ON k.tenant_id = u.tenant_id " +
            "WHERE k.prefix = $1 AND u.meter = $2 AND u.day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date",
            ApiKeySecret.Prefix(api.DefaultRequestHeaders.Authorization!.Parameter!), meter);

    /// <summary>The outbox row of the conversation's <c>ConversationStarted</c>, as the dispatcher claims it.</summary>
    private async Task<OutboxRow> OutboxRowAsync(Guid tenantId, Guid conversationId)
    {
        await using var connection = new NpgsqlConnection(workers.App.Database.System);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT id, tenant_id, message_type, payload::text, coalesce(partition_key, id), seq FROM outbox_messages
            WHERE tenant_id = $1 AND message_type = 'ConversationStarted' AND payload->>'conversationId' = $2
            """, connection)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = conversationId.ToString() } },
        };
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct), "the conversation's start is in the outbox");
        return new OutboxRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4),
            reader.IsDBNull(5) ? null : reader.GetInt64(5));
    }

    /// <summary>A tenant of its own on a plan of its own with these limits, and an API key with every scope.</summary>
    private async Task<(Guid TenantId, string ApiKey)> TenantOnPlanAsync(int conversations, int softPercent)
    {
        var id = Guid.CreateVersion7();
        var plan = $"test-{id.ToString("N")[..12]}";
        await workers.ScalarAsync<int>(
            "WITH p AS (INSERT INTO plans (id, name, conversations_per_month, messages_per_month, agents, api_requests_per_minute, storage_bytes, " +
            "attachment_max_bytes, soft_limit_percent) VALUES ($1, 'Test plan', $2, 1000, 5, 6000, 0, 0, $3) RETURNING 1) SELECT count(*)::int FROM p",
            plan, conversations, softPercent);
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Limits test', $3, 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t",
            id, $"limits-{id.ToString("N")[..12]}", plan);
        var key = ApiKeySecret.Generate("test");
        await workers.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        return (id, key);
    }
}
