using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OmniChat.TestKit;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>The usage page: the tenant's plan, the metered counts, and "not metered yet" where nothing counts.</summary>
public sealed class UsageShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShowThePlanItsLimitsAndThisMonthsConversations()
    {
        using (var api = TenantAdminPages.ApiClient(fixture, fixture.Demo.ApiKey))
        {
            using var started = await api.PostAsJsonAsync("/v2/conversations", new { name = "Usage check" }, Ct);
            started.EnsureSuccessStatusCode();
            // The Workers meter conversations from the event stream, a moment after they start (read from the counters, not
            // through the Api, whose per-IP limit every test on this machine shares).
            await Eventually.HoldsAsync(async () => await fixture.ScalarAsync<long>(
                "SELECT coalesce(sum(count), 0)::bigint FROM usage_counters WHERE tenant_id = $1 AND meter = 'conversations'", fixture.Demo.Id) >= 1,
                "the conversation is metered");
        }
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/usage");

        await Assertions.Expect(page.GetByTestId("usage-plan")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await Assertions.Expect(page.GetByTestId("usage-plan")).ToContainTextAsync("Business");
        var conversations = page.GetByTestId("usage-meter").Filter(new() { HasText = "Conversations this month" });
        var used = long.Parse(await conversations.GetByTestId("usage-used").TextContentAsync() ?? "", NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(used >= 1, $"{used} conversations this month, after starting one.");
        await Assertions.Expect(conversations).ToContainTextAsync("of 100,000 on your plan");
        var rate = page.GetByTestId("usage-meter").Filter(new() { HasText = "API requests a minute" });
        await Assertions.Expect(rate.GetByTestId("usage-used")).ToHaveTextAsync("Not metered yet");
        await Assertions.Expect(rate).ToContainTextAsync("Limit: 6,000 a minute");
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-usage.png");
    }
}
