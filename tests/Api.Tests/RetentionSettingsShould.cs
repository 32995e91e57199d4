using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Tests;

/// <summary><c>GET|PUT /v2/tenant/retention</c>: each tenant sets its own period, within bounds, with the right scope; audited.</summary>
public sealed class RetentionSettingsShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SetOnlyTheCallersOwnRetention()
    {
        var (first, firstKey) = await TenantAsync(ApiScopes.SettingsWrite);
        var (_, secondKey) = await TenantAsync(ApiScopes.SettingsWrite);
        using var a = api.CreateClient(firstKey);
        using var b = api.CreateClient(secondKey);

        using var set = await a.PutAsJsonAsync("/v2/tenant/retention", new { days = 30 }, Ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(30, await DaysAsync(a));
        Assert.Equal(365, await DaysAsync(b));
        Assert.Equal(1L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND action = 'tenant.retention_changed'", first));
    }

    [Fact]
    public async Task RefuseOutOfRangeValuesAndKeysWithoutTheScope()
    {
        var (_, key) = await TenantAsync(ApiScopes.SettingsWrite);
        var (_, readOnly) = await TenantAsync(ApiScopes.ConversationsRead);
        using var client = api.CreateClient(key);
        using var other = api.CreateClient(readOnly);

        using var zero = await client.PutAsJsonAsync("/v2/tenant/retention", new { days = 0 }, Ct);
        using var tooLong = await client.PutAsJsonAsync("/v2/tenant/retention", new { days = 3651 }, Ct);
        using var forbidden = await other.PutAsJsonAsync("/v2/tenant/retention", new { days = 30 }, Ct);

        await zero.AssertProblemAsync(400, "validation_failed");
        await tooLong.AssertProblemAsync(400, "validation_failed");
        await forbidden.AssertProblemAsync(403, "scope_missing");
        Assert.Equal(365, await DaysAsync(client));
    }

    private static async Task<int> DaysAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(new Uri("/v2/tenant/retention", UriKind.Relative), Ct)).GetProperty("days").GetInt32();

    private async Task<(Guid Id, string Key)> TenantAsync(string scope)
    {
        var id = Guid.CreateVersion7();
        await api.ScalarAsync<object>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Retention Co', 'free', 'Active', 'en', now(), now()) RETURNING id", id, "retention-" + id.ToString("N")[^12..]);
        return (id, await api.CreateApiKeyAsync(id, scope));
    }
}
