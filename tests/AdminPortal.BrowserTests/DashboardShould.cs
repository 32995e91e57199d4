using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>
/// The dashboard: a tenant's own numbers for a range (each test makes its tenants, so nobody else's conversations count),
/// the empty state, custom ranges refused in words, admins only.
/// </summary>
public sealed class DashboardShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShowAFreshTenantThatItHasNoConversationsYet()
    {
        var tenant = await fixture.CreateTenantAsync("dash-empty");
        await using var person = await fixture.NewPersonAsync();

        var page = await OpenAsync(person, tenant.Admin);

        await Assertions.Expect(page.GetByTestId("dashboard-empty")).ToContainTextAsync("No conversations in this range yet");
        await Assertions.Expect(Stat(page, "dashboard-unanswered")).ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByTestId("meter").Filter(new() { HasText = "Agents" })).ToContainTextAsync("1 of 2");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task CountOnlyTheTenantsOwnConversationsAndThoseWaitingForAReply()
    {
        // Mine: two conversations with a visitor message each, one answered. Theirs, in the same days: three, none answered.
        var mine = await fixture.CreateTenantAsync("dash-mine");
        var theirs = await fixture.CreateTenantAsync("dash-theirs");
        var answered = await StartWithVisitorMessageAsync(mine);
        await StartWithVisitorMessageAsync(mine);
        await ReplyAsync(mine, answered);
        for (var i = 0; i < 3; i++)
        {
            await StartWithVisitorMessageAsync(theirs);
        }
        await using var person = await fixture.NewPersonAsync();

        var page = await OpenAsync(person, mine.Admin);

        await Assertions.Expect(Stat(page, "dashboard-started")).ToHaveTextAsync("2");
        await Assertions.Expect(Stat(page, "dashboard-answered")).ToHaveTextAsync("1");
        await Assertions.Expect(Stat(page, "dashboard-unanswered")).ToHaveTextAsync("1");
        await Assertions.Expect(Stat(page, "dashboard-p50")).Not.ToHaveTextAsync("—");
        await Assertions.Expect(page.GetByTestId("dashboard-empty")).ToHaveCountAsync(0);
        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-dashboard.png");

        // The other tenant's admin, on a phone in dark mode: their three, none of mine.
        await using var phone = await fixture.NewPersonAsync(width: 375, height: 740);
        var theirPage = await OpenAsync(phone, theirs.Admin, ColorScheme.Dark);
        await Assertions.Expect(Stat(theirPage, "dashboard-started")).ToHaveTextAsync("3");
        await Assertions.Expect(Stat(theirPage, "dashboard-answered")).ToHaveTextAsync("0");
        await Assertions.Expect(Stat(theirPage, "dashboard-unanswered")).ToHaveTextAsync("3");
        await Assertions.Expect(Stat(theirPage, "dashboard-p50")).ToHaveTextAsync("—");
        Assert.Equal("", await TenantAdminPages.WiderThanTheWindowAsync(theirPage));
        var darkViolations = await TenantAdminPages.SeriousViolationsAsync(theirPage);
        Assert.True(darkViolations.Count == 0, string.Join("\n", darkViolations));
    }

    [Fact]
    public async Task ExplainACustomRangeItCannotShow()
    {
        var tenant = await fixture.CreateTenantAsync("dash-range");
        await using var person = await fixture.NewPersonAsync();
        var page = await OpenAsync(person, tenant.Admin);
        await page.GetByTestId("dashboard-range").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Custom dates", Exact = true }).ClickAsync();

        await ShowDatesAsync(page, "2026-03-10", "2026-03-01");
        await Assertions.Expect(page.GetByTestId("dashboard-range-error")).ToHaveTextAsync("The start date must be on or before the end date.");
        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        await ShowDatesAsync(page, "2024-01-01", "2025-06-01");
        await Assertions.Expect(page.GetByTestId("dashboard-range-error")).ToContainTextAsync("Choose at most 366 days");
        await ShowDatesAsync(page, "2026-01-01", "2026-01-31");

        await Assertions.Expect(page.GetByTestId("dashboard-range-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("dashboard-period")).ToContainTextAsync("From 2026-01-01 00:00 UTC to 2026-02-01 00:00 UTC");
    }

    [Fact]
    public async Task KeepAnAgentOut()
    {
        await using var person = await fixture.NewPersonAsync();

        var page = await TenantAdminPages.OpenAsAgentAsync(fixture, person, "/admin/dashboard");

        Assert.Equal(0, await page.GetByTestId("dashboard").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).CountAsync());
    }

    // Signs in with the person's browser (in the system colour scheme given) and waits until the dashboard shows its numbers.
    private static async Task<IPage> OpenAsync(IBrowserContext person, Login admin, ColorScheme scheme = ColorScheme.Light)
    {
        var page = await person.NewPageAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = scheme });
        await Portal.SignInAsync(page, admin, "/admin/dashboard");
        await Assertions.Expect(page.GetByTestId("dashboard")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        return page;
    }

    private static ILocator Stat(IPage page, string testId) => page.GetByTestId(testId).GetByTestId("stat-value");

    private static async Task ShowDatesAsync(IPage page, string from, string to)
    {
        await TenantAdminPages.Field(page, "dashboard-from").FillAsync(from);
        await TenantAdminPages.Field(page, "dashboard-to").FillAsync(to);
        await page.GetByTestId("dashboard-apply").ClickAsync();
    }

    // A conversation started with the tenant's API key, and its visitor's first message through the widget API.
    private async Task<Guid> StartWithVisitorMessageAsync(CredentialTenant tenant)
    {
        using var api = TenantAdminPages.ApiClient(fixture, tenant.ApiKey);
        using var started = await api.PostAsJsonAsync("/v2/conversations", new { name = "Dashboard visitor" }, Ct);
        started.EnsureSuccessStatusCode();
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = body.GetProperty("conversation").GetProperty("id").GetGuid();
        using var visitor = new HttpClient { BaseAddress = fixture.ApiUrl };
        visitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        using var sent = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{id}/messages", new { text = "Is anyone there?" }, Ct);
        sent.EnsureSuccessStatusCode();
        return id;
    }

    private async Task ReplyAsync(CredentialTenant tenant, Guid conversation)
    {
        using var api = TenantAdminPages.ApiClient(fixture, tenant.ApiKey);
        using var claimed = await api.PostAsJsonAsync($"/v2/conversations/{conversation}/claim", new { agent = "ann" }, Ct);
        claimed.EnsureSuccessStatusCode();
        using var replied = await api.PostAsJsonAsync($"/v2/conversations/{conversation}/messages", new { agent = "ann", text = "Yes, here." }, Ct);
        replied.EnsureSuccessStatusCode();
    }
}
