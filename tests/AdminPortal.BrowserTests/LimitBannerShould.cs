using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core.Identity;
using OmniChat.TestKit;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>
/// A workspace near and then at its plan's monthly conversation limit: its admin sees a warning, then an error that says
/// new conversations are refused; another workspace sees neither.
/// </summary>
public sealed class LimitBannerShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WarnNearTheLimitAndSayWhatStopsAtIt()
    {
        var (tenant, key) = await TenantOnSmallPlanAsync();
        var admin = await fixture.CreateMemberAsync(tenant, "Owner");
        using var api = TenantAdminPages.ApiClient(fixture, key);
        await StartAsync(api);
        await NoticeAsync(tenant, "soft");

        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, admin, "/admin/inbox");
        var banner = page.GetByTestId("limit-banner");
        await Assertions.Expect(banner).ToHaveAttributeAsync("data-level", "soft", new() { Timeout = 20_000 });
        await Assertions.Expect(banner).ToContainTextAsync("you have used 1 of the 2 conversations");
        Assert.Empty(await TenantAdminPages.SeriousViolationsAsync(page));

        await StartAsync(api);
        await NoticeAsync(tenant, "hard");
        using (var refused = await api.PostAsJsonAsync("/v2/conversations", new { name = "one too many" }, Ct))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        }
        await page.ReloadAsync();
        await Assertions.Expect(banner).ToHaveAttributeAsync("data-level", "hard", new() { Timeout = 20_000 });
        await Assertions.Expect(banner).ToContainTextAsync("new conversations are refused");
        await banner.GetByRole(AriaRole.Link, new() { Name = "See usage" }).ClickAsync();
        var conversations = page.GetByTestId("usage-meter").Filter(new() { HasText = "Conversations this month" });
        await Assertions.Expect(conversations.GetByTestId("usage-used")).ToHaveTextAsync("2", new() { Timeout = 20_000 });

        // Another workspace has reached nothing.
        await using var other = await fixture.NewPersonAsync();
        var demo = await other.NewPageAsync();
        await Portal.SignInAsync(demo, fixture.Demo.Admin, "/admin/inbox");
        await Portal.ReadyAsync(demo);
        await Assertions.Expect(demo.GetByTestId("limit-banner")).ToHaveCountAsync(0);
    }

    private static async Task StartAsync(HttpClient api)
    {
        using var started = await api.PostAsJsonAsync("/v2/conversations", new { name = "Limit banner" }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
    }

    // The Workers meter from the event stream: wait until they recorded the threshold.
    private Task NoticeAsync(CredentialTenant tenant, string level) =>
        Eventually.HoldsAsync(async () => await fixture.ScalarAsync<long>(
                "SELECT count(*) FROM limit_notices WHERE tenant_id = $1 AND level = $2", tenant.Id, level) == 1,
            $"the {level} threshold is recorded");

    /// <summary>A workspace of its own on a plan of 2 conversations a month, warned at 50 %, with an API key.</summary>
    private async Task<(CredentialTenant Tenant, string ApiKey)> TenantOnSmallPlanAsync()
    {
        var id = Guid.CreateVersion7();
        var suffix = id.ToString("N")[..12];
        await fixture.ScalarAsync<object?>(
            "INSERT INTO plans (id, name, conversations_per_month, messages_per_month, agents, api_requests_per_minute, storage_bytes, " +
            "attachment_max_bytes, soft_limit_percent) VALUES ($1, 'Small', 2, 1000, 5, 6000, 0, 0, 50)", "small-" + suffix);
        await fixture.ScalarAsync<object?>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Small Co', $3, 'Active', 'en', now(), now())", id, "small-" + suffix, "small-" + suffix);
        var key = ApiKeySecret.Generate("test");
        await fixture.ScalarAsync<object?>(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'limits', $3, $4, $5, now())",
            Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        return (new CredentialTenant("small-" + suffix, id, "Small Co", key, new Login("", "")), key);
    }
}
