using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>The channels page: Telegram shown masked and tested, the widget's settings kept where the Api reads them.</summary>
public sealed class ChannelsShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShowTheDemoTelegramConnectionMaskedAndTheWidgetSnippetWithItsIntegrity()
    {
        var telegram = fixture.Demo.Telegram ?? throw new InvalidOperationException("The demo tenant has no Telegram channel.");
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Channels", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("telegram-token-hint"))
            .ToContainTextAsync(telegram.BotId.ToString(CultureInfo.InvariantCulture) + ":…", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("telegram-status")).ToContainTextAsync("Active");
        await Assertions.Expect(page.GetByTestId("widget-snippet")).ToContainTextAsync($"data-site-key=\"{fixture.Demo.SiteKey}\"");
        await Assertions.Expect(page.GetByTestId("widget-snippet")).ToContainTextAsync("integrity=\"sha384-");

        var html = await page.ContentAsync();
        Assert.DoesNotContain(telegram.BotToken, html, StringComparison.Ordinal);
        Assert.DoesNotContain(telegram.BotToken[(telegram.BotToken.IndexOf(':', StringComparison.Ordinal) + 1)..], html, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Demo.IdentitySecret!, html, StringComparison.Ordinal);
        await Screenshot(page, "portal-channels.png");
    }

    [Fact]
    public async Task KeepEditedAllowedOriginsWhereTheApiReadsThem()
    {
        var origin = $"https://shop-{Guid.NewGuid():N}.example";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");
        var origins = TenantAdminPages.Field(page, "widget-origins");
        await Assertions.Expect(origins).ToBeVisibleAsync(TenantAdminPages.Loaded);

        var before = await origins.InputValueAsync();
        await origins.FillAsync(before.Length == 0 ? origin : before + "\n" + origin);
        await page.GetByTestId("widget-save").ClickAsync();

        await Assertions.Expect(page.GetByText("The widget's settings are saved.")).ToBeVisibleAsync();
        using var api = ApiClient(fixture.Demo.ApiKey);
        var widget = await api.GetFromJsonAsync<JsonElement>("/v2/channels/widget", Ct);
        Assert.Contains(origin, widget.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task RefuseAnOriginWithAPathAndSayWhy()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");
        var origins = TenantAdminPages.Field(page, "widget-origins");
        await Assertions.Expect(origins).ToBeVisibleAsync(TenantAdminPages.Loaded);

        await origins.FillAsync((await origins.InputValueAsync()) + "\nhttps://shop.example/checkout");
        await page.GetByTestId("widget-save").ClickAsync();

        await Assertions.Expect(page.GetByTestId("widget-channel")).ToContainTextAsync("Not an origin (scheme://host[:port], no path): https://shop.example/checkout.");
        using var api = ApiClient(fixture.Demo.ApiKey);
        var widget = await api.GetFromJsonAsync<JsonElement>("/v2/channels/widget", Ct);
        Assert.DoesNotContain(widget.GetProperty("allowedOrigins").EnumerateArray(), o => o.GetString()!.Contains("checkout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunTheTelegramTestAndSayHowEachStepWent()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");

        await page.GetByTestId("telegram-test").ClickAsync();

        var result = page.GetByTestId("telegram-test-result");
        await Assertions.Expect(result).ToContainTextAsync("Starting a test conversation: worked", new() { Timeout = 40_000 });
        await Assertions.Expect(result).ToContainTextAsync("Opening its topic in the support group: worked");
        await Assertions.Expect(result).ToContainTextAsync("Posting its welcome card in the topic: worked");
        await Assertions.Expect(result).ToContainTextAsync("Issuing and checking a visitor token: worked");
        await Assertions.Expect(result).ToContainTextAsync("Removing the test conversation and its topic: worked");
    }

    [Fact]
    public async Task PassAnAccessibilityScan()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");
        await Assertions.Expect(page.GetByTestId("widget-snippet")).ToBeVisibleAsync(TenantAdminPages.Loaded);

        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task FitAPhoneScreen()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 800);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/channels");
        await Assertions.Expect(page.GetByTestId("widget-snippet")).ToBeVisibleAsync(TenantAdminPages.Loaded);

        Assert.Equal("", await TenantAdminPages.WiderThanTheWindowAsync(page));
    }

    private HttpClient ApiClient(string key) => TenantAdminPages.ApiClient(fixture, key);

    private Task Screenshot(IPage page, string name) => TenantAdminPages.ScreenshotAsync(fixture, page, name);
}
