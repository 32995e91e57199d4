using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.Core.Identity;
using OmniChat.TestKit;

namespace OmniChat.Api.Tests;

/// <summary>
/// <c>GET /v2/stats</c>: the dashboard numbers of the API key's own tenant only (two tenants' rows in the same range),
/// first-response percentiles computed by PostgreSQL, the write path keeping the first-response columns, the Api's error
/// answers counted per tenant, and bad ranges refused as <c>validation_failed</c>.
/// </summary>
public sealed class V2StatsShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A month of its own in the past for each test: no other test writes conversations there.
    private static DateTimeOffset NewRangeStart() =>
        new(1990 + Random.Shared.Next(0, 30), Random.Shared.Next(1, 13), 1, 0, 0, 0, TimeSpan.Zero);

    private Task<int> InsertConversationAsync(Guid tenantId, DateTimeOffset createdAt, double? respondedAfterSeconds) =>
        api.ScalarAsync<int>("""
            WITH c AS (
                INSERT INTO conversations (id, tenant_id, name, status, last_seq, channel, interface, created_at, updated_at, closed_at,
                                           first_inbound_at, first_response_at)
                VALUES ($1, $2, 'stats', 'Closed', 2, 'web', 'widget', $3, $3, $3, $3, $3 + make_interval(secs => $4::float8))
                RETURNING 1)
            SELECT count(*)::int FROM c
            """, Guid.CreateVersion7(), tenantId, createdAt, respondedAfterSeconds is { } s ? s : DBNull.Value);

    private async Task<Guid> InsertConversationWithDeadTelegramDeliveryAsync(Guid tenantId, DateTimeOffset createdAt)
    {
        var conversation = Guid.CreateVersion7();
        await api.ScalarAsync<int>("""
            WITH c AS (
                INSERT INTO conversations (id, tenant_id, name, status, last_seq, channel, interface, created_at, updated_at, closed_at)
                VALUES ($1, $2, 'stats', 'Closed', 0, 'web', 'widget', $3, $3, $3) RETURNING id, tenant_id
            ), d AS (
                INSERT INTO telegram_deliveries (id, tenant_id, conversation_id, event_id, seq, kind, target, payload, status, attempts,
                                                 next_attempt_at, created_at)
                SELECT $4, tenant_id, id, $5, 1, 'message', 'group', '{}', 'Dead', 5, $3, $3 FROM c RETURNING 1)
            SELECT count(*)::int FROM d
            """, conversation, tenantId, createdAt, Guid.CreateVersion7(), Guid.CreateVersion7());
        return conversation;
    }

    private async Task<JsonElement> StatsAsync(string key, DateTimeOffset from, DateTimeOffset to)
    {
        using var client = api.CreateClient(key);
        using var response = await client.GetAsync(new Uri(
            $"/v2/stats?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}",
            UriKind.Relative), Ct);
        response.EnsureSuccessStatusCode();
        return await response.JsonAsync();
    }

    [Fact]
    public async Task CountOnlyTheCallersTenantWithFirstResponsePercentilesFromTheDatabase()
    {
        var from = NewRangeStart();
        var to = from.AddMonths(1);
        var alpha = api.DefaultTenant;
        var beta = api.DemoTenant;
        foreach (var seconds in new double?[] { 10, 20, 30, 40, null })
        {
            await InsertConversationAsync(alpha.Id, from.AddDays(3), seconds);
        }
        await InsertConversationAsync(beta.Id, from.AddDays(5), 100);
        await InsertConversationAsync(beta.Id, from.AddDays(6), 300);
        await InsertConversationWithDeadTelegramDeliveryAsync(beta.Id, from.AddDays(7));
        await InsertConversationAsync(beta.Id, to, 1); // the end is exclusive

        var mine = await StatsAsync(await api.CreateApiKeyAsync(alpha.Id, ApiScopes.UsageRead), from, to);
        var theirs = await StatsAsync(await api.CreateApiKeyAsync(beta.Id, ApiScopes.UsageRead), from, to);

        Assert.Equal(5, mine.GetProperty("conversations").GetProperty("started").GetInt32());
        Assert.Equal(4, mine.GetProperty("conversations").GetProperty("answered").GetInt32());
        Assert.Equal(25, mine.GetProperty("conversations").GetProperty("firstResponseSeconds").GetProperty("p50").GetDouble());
        Assert.Equal(37, mine.GetProperty("conversations").GetProperty("firstResponseSeconds").GetProperty("p90").GetDouble());
        Assert.Equal(0, mine.GetProperty("failures").GetProperty("telegram").GetInt32());

        Assert.Equal(3, theirs.GetProperty("conversations").GetProperty("started").GetInt32());
        Assert.Equal(2, theirs.GetProperty("conversations").GetProperty("answered").GetInt32());
        Assert.Equal(200, theirs.GetProperty("conversations").GetProperty("firstResponseSeconds").GetProperty("p50").GetDouble());
        Assert.Equal(280, theirs.GetProperty("conversations").GetProperty("firstResponseSeconds").GetProperty("p90").GetDouble());
        Assert.Equal(1, theirs.GetProperty("failures").GetProperty("telegram").GetInt32());
        Assert.Equal(from, theirs.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(to, theirs.GetProperty("to").GetDateTimeOffset());
    }

    [Fact]
    public async Task ShowNoPercentilesForARangeWithoutAnsweredConversationsAndTheUsageOfTheLimits()
    {
        var from = NewRangeStart();
        await InsertConversationAsync(api.DemoTenant.Id, from.AddDays(1), null);

        var stats = await StatsAsync(await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.UsageRead), from, from.AddDays(10));

        var conversations = stats.GetProperty("conversations");
        Assert.Equal(1, conversations.GetProperty("started").GetInt32());
        Assert.Equal(JsonValueKind.Null, conversations.GetProperty("firstResponseSeconds").GetProperty("p50").ValueKind);
        var meters = stats.GetProperty("usage").GetProperty("meters").EnumerateArray().ToList();
        var perMonth = Assert.Single(meters, m => m.GetProperty("key").GetString() == "conversationsPerMonth");
        Assert.True(perMonth.GetProperty("limit").GetInt64() > 0);
        Assert.True(perMonth.GetProperty("ratio").GetDouble() >= 0);
        Assert.Contains(meters, m => m.GetProperty("key").GetString() == "apiRequestsPerMinute" && m.GetProperty("used").ValueKind == JsonValueKind.Null);
    }

    /// <summary>A tenant of its own (no other test's requests count for it) and an API key with <paramref name="scopes"/>.</summary>
    private async Task<(Guid Id, string Key)> NewTenantAsync(params string[] scopes)
    {
        var id = Guid.CreateVersion7();
        await api.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Stats Co', 'business', 'Active', 'en', now(), now()) RETURNING 1) SELECT count(*)::int FROM t",
            id, "stats-" + id.ToString("N")[^12..]);
        return (id, await api.CreateApiKeyAsync(id, scopes));
    }

    // The days around now: errors counted during the test fall in them even across midnight UTC.
    private Task<JsonElement> TodaysStatsAsync(string key) =>
        StatsAsync(key, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    /// <summary>
    /// The tenant's <c>apiErrors</c> once it shows at least <paramref name="clientErrors"/> client errors (they are counted
    /// fire-and-forget after the answer). The Api is asked at most once a second: the per-IP rate limit is shared by the
    /// suite, and a 429 to this key would be one more client error of the tenant. The reads themselves are 200s.
    /// </summary>
    private async Task<JsonElement> ApiErrorsOnceCountedAsync(string key, long clientErrors)
    {
        var apiErrors = default(JsonElement);
        var clock = Stopwatch.StartNew();
        var nextRead = TimeSpan.Zero;
        await Eventually.HoldsAsync(async () =>
        {
            if (clock.Elapsed < nextRead)
            {
                return false;
            }
            nextRead = clock.Elapsed + TimeSpan.FromSeconds(1);
            apiErrors = (await TodaysStatsAsync(key)).GetProperty("apiErrors");
            return apiErrors.GetProperty("clientErrors").GetInt64() >= clientErrors;
        }, $"the stats show {clientErrors} client errors");
        return apiErrors;
    }

    private static async Task<HttpStatusCode> StatusOfAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task CountTheApiErrorsOfTheCallersTenantOnly()
    {
        var (_, alphaKey) = await NewTenantAsync(ApiScopes.UsageRead, ApiScopes.ConversationsRead);
        var (_, betaKey) = await NewTenantAsync(ApiScopes.UsageRead, ApiScopes.ConversationsRead);
        using var alpha = api.CreateClient(alphaKey);
        using var beta = api.CreateClient(betaKey);

        Assert.Equal(HttpStatusCode.BadRequest, await StatusOfAsync(alpha, "/v2/stats?from=yesterday"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(alpha, $"/v2/conversations/{Guid.NewGuid()}"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(alpha, "/v2/audit/export"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(beta, $"/v2/conversations/{Guid.NewGuid()}"));

        var mine = await ApiErrorsOnceCountedAsync(alphaKey, 3);
        var theirs = await ApiErrorsOnceCountedAsync(betaKey, 1);

        Assert.Equal(3, mine.GetProperty("clientErrors").GetInt64());
        Assert.Equal(0, mine.GetProperty("serverErrors").GetInt64());
        Assert.Equal(1, theirs.GetProperty("clientErrors").GetInt64());
        Assert.Equal(0, theirs.GetProperty("serverErrors").GetInt64());
    }

    [Fact]
    public async Task CountNoTenantForARequestWithoutAValidApiKey()
    {
        var (_, key) = await NewTenantAsync(ApiScopes.UsageRead, ApiScopes.ConversationsRead);
        using var anonymous = api.CreateClient();
        using var wrongKey = api.CreateClient(key[..^4] + "zzzz");
        using var tenant = api.CreateClient(key);

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfAsync(anonymous, $"/v2/conversations/{Guid.NewGuid()}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfAsync(wrongKey, $"/v2/conversations/{Guid.NewGuid()}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfAsync(wrongKey, "/v2/stats?from=yesterday"));
        // One error of the tenant's own after them: once it shows, the refused requests would have shown too.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(tenant, $"/v2/conversations/{Guid.NewGuid()}"));

        var counted = await ApiErrorsOnceCountedAsync(key, 1);

        Assert.Equal(1, counted.GetProperty("clientErrors").GetInt64());
        Assert.Equal(0, counted.GetProperty("serverErrors").GetInt64());
    }

    [Fact]
    public async Task KeepTheFirstVisitorMessageAndTheFirstReplyOnTheConversation()
    {
        var (id, token, _) = await api.StartV1ConversationAsync("first response");
        using var visitor = api.CreateClient(token);
        using var admin = api.ServiceTokenClient();
        var first = await (await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "one" }, Ct)).JsonAsync();
        (await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "two" }, Ct)).EnsureSuccessStatusCode();
        var reply = await (await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/reply", new { agent = "ann", text = "hi" }, Ct)).JsonAsync();
        (await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "three" }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/reply", new { agent = "ann", text = "again" }, Ct)).EnsureSuccessStatusCode();

        var firstInbound = await api.ScalarAsync<DateTime>("SELECT first_inbound_at FROM conversations WHERE id = $1", id);
        var firstResponse = await api.ScalarAsync<DateTime>("SELECT first_response_at FROM conversations WHERE id = $1", id);

        Assert.Equal(first.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime, firstInbound);
        Assert.Equal(reply.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime, firstResponse);
    }

    [Theory]
    [InlineData("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("from=2024-01-01&to=2025-06-01", "to")]
    [InlineData("from=yesterday&to=2026-01-01", "from")]
    [InlineData("to=2026-13-45", "to")]
    public async Task RefuseABadRangeAsValidationFailed(string query, string field)
    {
        using var client = api.CreateClient(await api.CreateApiKeyAsync(api.DefaultTenant.Id, ApiScopes.UsageRead));

        using var response = await client.GetAsync(new Uri($"/v2/stats?{query}", UriKind.Relative), Ct);

        var problem = await response.AssertProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors names {field}");
    }

    [Fact]
    public async Task RequireTheUsageReadScope()
    {
        using var client = api.CreateClient(await api.CreateApiKeyAsync(api.DefaultTenant.Id, ApiScopes.ConversationsRead));

        using var response = await client.GetAsync(new Uri("/v2/stats", UriKind.Relative), Ct);

        Assert.Equal(ApiScopes.UsageRead, (await response.AssertProblemAsync(403, "scope_missing")).GetProperty("scope").GetString());
    }
}
