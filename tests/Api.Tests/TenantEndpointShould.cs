using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OmniChat.Api.Tests;

/// <summary><c>GET /v2/tenant</c>: the tenant comes from the verified API key, never from anything else the client sends.</summary>
public sealed class TenantEndpointShould(ApiFixture api)
{
    [Fact]
    public async Task AnswerEachTenantsKeyWithThatTenantOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var tenant in api.App.Credentials.Tenants)
        {
            using var client = api.CreateClient(tenant.ApiKey);

            var body = await client.GetFromJsonAsync<JsonElement>("/v2/tenant", ct);

            Assert.Equal(tenant.Id, body.GetProperty("id").GetGuid());
            Assert.Equal(tenant.Identifier, body.GetProperty("identifier").GetString());
        }
    }

    [Fact]
    public async Task IgnoreATenantNamedByTheClient()
    {
        var ct = TestContext.Current.CancellationToken;
        var demo = api.App.Credentials.Tenants.Single(t => t.Identifier == "demo");
        var other = api.App.Credentials.Tenants.Single(t => t.Identifier == "default");
        using var client = api.CreateClient(demo.ApiKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/tenant?tenant={other.Identifier}");
        request.Headers.Add("X-Tenant", other.Id.ToString());

        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);

        Assert.Equal(demo.Id, body.GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ock_dev_not-a-real-key-000000000000000000")]
    [InlineData("not-even-a-key")]
    public async Task RefuseAMissingOrUnknownKeyWithAProblem(string? key)
    {
        using var client = api.CreateClient(key);

        using var response = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task RefuseASuspendedTenantsKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenantId = Guid.CreateVersion7();
        await api.ScalarAsync<object>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Suspended Co', 'free', 'Suspended', 'en', now(), now()) RETURNING id", tenantId, "suspended-" + tenantId.ToString("N")[..8]);
        var key = await api.CreateApiKeyAsync(tenantId, Core.Identity.ApiScopes.ConversationsRead);
        using var client = api.CreateClient(key);

        using var response = await client.GetAsync(new Uri("/v2/conversations", UriKind.Relative), ct);

        await response.AssertProblemAsync(403, "tenant_suspended");
    }

    [Fact]
    public async Task EchoAWellFormedRequestIdAndReplaceAMalformedOne()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = api.CreateClient();
        using var good = new HttpRequestMessage(HttpMethod.Get, "/health");
        good.Headers.Add("X-Request-Id", "trace-abc.123");
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/health");
        bad.Headers.Add("X-Request-Id", "has spaces and \"quotes\"");

        using var echoed = await client.SendAsync(good, ct);
        using var replaced = await client.SendAsync(bad, ct);

        Assert.Equal("trace-abc.123", echoed.Headers.GetValues("X-Request-Id").Single());
        var generated = replaced.Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", generated);
    }

    [Fact]
    public async Task ServeHealthReadinessAndMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = api.CreateClient();

        var ready = await client.GetFromJsonAsync<JsonElement>("/ready", ct);
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);

        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        foreach (var check in new[] { "postgres", "migrations", "redis" })
        {
            Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty(check).GetString());
        }
        Assert.Contains("target_info", metrics, StringComparison.Ordinal);
    }
}
