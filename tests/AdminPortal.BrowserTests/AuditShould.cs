using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>The audit log page: changes listed newest first, filtered, and exported for the signed-in tenant only.</summary>
public sealed class AuditShould(PortalFixture fixture)
{
    private static readonly string[] ClosedEvents = ["conversation.closed"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListAWebhookMadeInThePortalAndFilterByAction()
    {
        var url = $"http://127.0.0.1:9/audited/{Guid.NewGuid():N}";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/webhooks");
        await WebhooksShould.CreateAsync(page, url);
        var id = await WebhookIdAsync(fixture.Demo.ApiKey, url);

        await page.GotoAsync("/admin/audit");
        await Assertions.Expect(page.GetByTestId("audit")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await page.GetByTestId("audit-action").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "webhook.created", Exact = true }).ClickAsync();

        var table = page.GetByTestId("audit");
        var rows = table.GetByTestId("audit-row-action");
        await Assertions.Expect(rows.Filter(new() { HasNotText = "webhook.created" })).ToHaveCountAsync(0);
        await Assertions.Expect(table).ToContainTextAsync(id);
        Assert.All(await rows.AllTextContentsAsync(), a => Assert.Equal("webhook.created", a.Trim()));
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-audit.png");
    }

    [Fact]
    public async Task ExportOnlyTheSignedInTenantsEntries()
    {
        var demoId = await CreateWebhookAsync(fixture.Demo.ApiKey);
        var defaultId = await CreateWebhookAsync(fixture.Default.ApiKey);

        var defaultExport = await ExportAsync(fixture.Default.Admin, "audit-export-csv");
        var demoExport = await ExportAsync(fixture.Demo.Admin, "audit-export-jsonl");

        Assert.StartsWith("id,occurredAt,actor,actorType,action,targetType,targetId,requestId,details", defaultExport, StringComparison.Ordinal);
        Assert.Contains(defaultId, defaultExport, StringComparison.Ordinal);
        Assert.DoesNotContain(demoId, defaultExport, StringComparison.Ordinal);
        Assert.Contains(demoId, demoExport, StringComparison.Ordinal);
        Assert.DoesNotContain(defaultId, demoExport, StringComparison.Ordinal);
        Assert.All(demoExport.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task SendAnAnonymousExportToSignIn()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();

        await page.GotoAsync("/admin/audit/export?format=csv");

        Assert.Contains("/account/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FitAPhoneScreen()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 800);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/audit");
        await Assertions.Expect(page.GetByTestId("audit").GetByTestId("audit-row-action").First).ToBeVisibleAsync(TenantAdminPages.Loaded);

        Assert.Equal("", await TenantAdminPages.WiderThanTheWindowAsync(page));
        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    private async Task<string> ExportAsync(AppHost.Hosting.Login login, string button)
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, login, "/admin/audit");
        await Assertions.Expect(page.GetByTestId("audit")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId(button).ClickAsync());
        return await File.ReadAllTextAsync(await download.PathAsync(), Ct);
    }

    private async Task<string> CreateWebhookAsync(string apiKey)
    {
        using var api = TenantAdminPages.ApiClient(fixture, apiKey);
        using var response = await api.PostAsJsonAsync("/v2/webhooks",
            new { url = $"http://127.0.0.1:9/export/{Guid.NewGuid():N}", events = ClosedEvents }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }

    private async Task<string> WebhookIdAsync(string apiKey, string url)
    {
        using var api = TenantAdminPages.ApiClient(fixture, apiKey);
        var list = await api.GetFromJsonAsync<JsonElement>("/v2/webhooks", Ct);
        return list.GetProperty("webhooks").EnumerateArray().Single(w => w.GetProperty("url").GetString() == url).GetProperty("id").GetString()!;
    }
}
