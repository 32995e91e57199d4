using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Tests;

/// <summary>
/// <c>PUT /v2/operator/tenants/{identifier}/limits</c>: the operator changes only the limits it gives, for that tenant only
/// (its plan's other tenants keep theirs), and the new limits are what the tenant's usage shows and what is enforced.
/// </summary>
public sealed class OperatorLimitsShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChangeOnlyTheGivenLimitsOfOnlyThatTenant()
    {
        var (first, firstKey) = await TenantAsync();
        var (_, secondKey) = await TenantAsync();
        using var operatorClient = api.CreateClient(api.App.Credentials.Operator.Token);

        using var once = await operatorClient.PutAsJsonAsync($"/v2/operator/tenants/{first}/limits", new { conversationsPerMonth = 1 }, Ct);
        using var twice = await operatorClient.PutAsJsonAsync($"/v2/operator/tenants/{first}/limits", new { messagesPerMonth = 5 }, Ct);

        Assert.Equal(HttpStatusCode.OK, once.StatusCode);
        var plan = await twice.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((1, 5, 2), (plan.GetProperty("conversationsPerMonth").GetInt32(), plan.GetProperty("messagesPerMonth").GetInt32(),
            plan.GetProperty("agents").GetInt32()));
        Assert.StartsWith("custom-", plan.GetProperty("plan").GetString(), StringComparison.Ordinal);
        Assert.Equal((1L, 5L), await MaxAsync(firstKey));
        Assert.Equal((100L, 2000L), await MaxAsync(secondKey));
        Assert.Equal(2L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries a JOIN tenants t ON t.id = a.tenant_id WHERE t.identifier = $1 AND a.action = 'tenant.limits_changed'", first));

        // Enforced: the tenant may start one conversation this month (the statement checks the plan it is on now).
        using var tenant = api.CreateClient(firstKey);
        using var started = await tenant.PostAsJsonAsync("/v2/conversations", new { name = "Within the limit" }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
    }

    [Fact]
    public async Task RefuseWithoutTheOperatorTokenAndForUnknownTenantsOrBadValues()
    {
        var (identifier, key) = await TenantAsync();
        using var operatorClient = api.CreateClient(api.App.Credentials.Operator.Token);
        using var tenantKey = api.CreateClient(key);

        using var withApiKey = await tenantKey.PutAsJsonAsync($"/v2/operator/tenants/{identifier}/limits", new { agents = 500 }, Ct);
        using var unknown = await operatorClient.PutAsJsonAsync("/v2/operator/tenants/no-such-tenant/limits", new { agents = 500 }, Ct);
        using var negative = await operatorClient.PutAsJsonAsync($"/v2/operator/tenants/{identifier}/limits", new { agents = -1 }, Ct);
        using var nothing = await operatorClient.PutAsJsonAsync($"/v2/operator/tenants/{identifier}/limits", new { }, Ct);
        using var share = await operatorClient.PutAsJsonAsync($"/v2/operator/tenants/{identifier}/limits", new { softLimitPercent = 0 }, Ct);

        await withApiKey.AssertProblemAsync(401, "unauthorized");
        await unknown.AssertProblemAsync(404, "tenant_not_found");
        await negative.AssertProblemAsync(400, "validation_failed");
        await nothing.AssertProblemAsync(400, "validation_failed");
        await share.AssertProblemAsync(400, "validation_failed");
        Assert.Equal("free", await api.ScalarAsync<string>("SELECT plan_id FROM tenants WHERE identifier = $1", identifier));
    }

    private async Task<(long Conversations, long Messages)> MaxAsync(string key)
    {
        using var client = api.CreateClient(key);
        var usage = await client.GetFromJsonAsync<JsonElement>(new Uri("/v2/usage", UriKind.Relative), Ct);
        var meters = usage.GetProperty("meters").EnumerateArray().ToList();
        return (meters.Single(m => m.GetProperty("limit").GetString() == "conversationsPerMonth").GetProperty("max").GetInt64(),
            meters.Single(m => m.GetProperty("limit").GetString() == "messagesPerMonth").GetProperty("max").GetInt64());
    }

    private async Task<(string Identifier, string ApiKey)> TenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = "limits-" + id.ToString("N")[^12..];
        await api.ScalarAsync<object>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Limits Co', 'free', 'Active', 'en', now(), now()) RETURNING id", id, identifier);
        return (identifier, await api.CreateApiKeyAsync(id, ApiScopes.UsageRead, ApiScopes.ConversationsWrite));
    }
}
