using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>Webhook subscriptions made in the portal: the secret shown once, and the same subscription the Api sees.</summary>
public sealed class WebhooksShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateASubscriptionAndShowItsSecretOnlyOnce()
    {
        var url = $"http://127.0.0.1:9/hooks/{Guid.NewGuid():N}";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/webhooks");

        await CreateAsync(page, url);

        var secret = page.GetByTestId("webhook-secret");
        await Assertions.Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_[A-Za-z0-9_-]{20,}$"));
        var shown = await secret.TextContentAsync();
        await Assertions.Expect(page.GetByTestId("webhooks")).ToContainTextAsync(url);
        using var api = TenantAdminPages.ApiClient(fixture, fixture.Demo.ApiKey);
        var list = await api.GetFromJsonAsync<JsonElement>("/v2/webhooks", Ct);
        Assert.Contains(list.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("url").GetString() == url);

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("webhooks")).ToContainTextAsync(url);
        await Assertions.Expect(page.GetByTestId("webhook-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(shown!, await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefuseASubscriptionWithoutEventsAndSayWhy()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/webhooks");
        await Assertions.Expect(page.GetByTestId("webhooks")).ToBeVisibleAsync(TenantAdminPages.Loaded);

        await TenantAdminPages.Field(page, "webhook-url").FillAsync("http://127.0.0.1:9/no-events");
        await page.GetByTestId("webhook-create").ClickAsync();

        await Assertions.Expect(page.GetByText("Choose at least one event.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("webhook-secret")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TurnASubscriptionOffAndDeleteItAfterConfirming()
    {
        var url = $"http://127.0.0.1:9/hooks/{Guid.NewGuid():N}";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/webhooks");
        await CreateAsync(page, url);
        var row = page.GetByTestId("webhooks").Locator("tr").Filter(new() { HasText = url });

        await row.GetByRole(AriaRole.Switch).Or(row.Locator("input[type=checkbox]")).First.ClickAsync();
        await Assertions.Expect(page.GetByText("Deliveries are off", new() { Exact = false })).ToBeVisibleAsync();
        using var api = TenantAdminPages.ApiClient(fixture, fixture.Demo.ApiKey);
        var list = await api.GetFromJsonAsync<JsonElement>("/v2/webhooks", Ct);
        Assert.False(list.GetProperty("webhooks").EnumerateArray().Single(w => w.GetProperty("url").GetString() == url).GetProperty("enabled").GetBoolean());

        await row.GetByTestId("webhook-delete").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Subscription deleted.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("webhooks")).Not.ToContainTextAsync(url);
    }

    [Fact]
    public async Task FitAPhoneScreenWithASubscription()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 800);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/webhooks");
        await CreateAsync(page, $"http://127.0.0.1:9/phone/{Guid.NewGuid():N}");

        Assert.Equal("", await TenantAdminPages.WiderThanTheWindowAsync(page));
        // The confirmation snackbar fades in and out: scan the page once it has gone (mid-fade its colours are half-transparent).
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("webhooks")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-webhooks-phone.png");
    }

    internal static async Task CreateAsync(IPage page, string url)
    {
        await Assertions.Expect(page.GetByTestId("webhooks")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await TenantAdminPages.Field(page, "webhook-url").FillAsync(url);
        await page.GetByTestId("event-conversation.started").ClickAsync();
        await page.GetByTestId("webhook-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("webhook-secret-panel")).ToContainTextAsync(url, new() { Timeout = 15_000 });
    }
}
