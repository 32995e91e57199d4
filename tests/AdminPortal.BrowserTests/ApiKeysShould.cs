using System.Net;
using System.Net.Http.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>An admin manages the workspace's API keys in the portal: the key works on the API at once and stops when revoked.</summary>
public sealed class ApiKeysShould(PortalFixture fixture)
{
    private static readonly string[] ReadOnly = ["conversations:read"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateAKeyThatWorksOnTheApiShowItsSecretOnceAndStopItWhenRevoked()
    {
        var name = $"CRM sync {Guid.NewGuid():N}"[..20];
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/api-keys");
        await Portal.ReadyAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys", Level = 1 })).ToBeVisibleAsync();

        await page.GetByTestId("create-api-key").ClickAsync();
        await TenantAdminPages.Field(page, "api-key-name").FillAsync(name);
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "conversations:write" }).CheckAsync();
        await page.GetByTestId("api-key-create").ClickAsync();
        var secretShown = page.GetByTestId("api-key-secret");
        await Assertions.Expect(secretShown).ToContainTextAsync("ock_live_");
        var secret = (await secretShown.TextContentAsync())!.Trim();
        await Assertions.Expect(page.GetByTestId("api-key-secret-warning")).ToContainTextAsync("You won't see it again");
        using var works = await ListConversationsAsync(secret);
        await page.GetByTestId("api-key-secret-done").ClickAsync();
        await Assertions.Expect(secretShown).ToHaveCountAsync(0);
        var row = page.Locator("tr", new() { Has = page.GetByText(name) });
        await Assertions.Expect(row.GetByTestId("api-key-status")).ToHaveTextAsync("Active");
        var listed = await page.ContentAsync();

        await row.GetByTestId("api-key-revoke").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("api-key-status")).ToContainTextAsync("Revoked");
        using var afterRevoke = await ListConversationsAsync(secret);

        Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.Contains(secret[..12], listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    }

    [Fact]
    public async Task SayWhatIsMissingWhenAKeyHasNoNameOrScope()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 740);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/api-keys");
        await Portal.ReadyAsync(page);

        await page.GetByTestId("create-api-key").ClickAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "conversations:read" }).UncheckAsync();
        await page.GetByTestId("api-key-create").ClickAsync();

        await Assertions.Expect(page.GetByTestId("create-api-key-dialog")).ToContainTextAsync("Required, 1 to 200 characters.");
        await Assertions.Expect(page.GetByTestId("api-key-scopes-error")).ToContainTextAsync("One or more of");
        var axe = await page.RunAxe();
        Assert.True(TenantAdminPages.Serious(axe).Count == 0, string.Join("\n", TenantAdminPages.Serious(axe)));
    }

    [Fact]
    public async Task RefuseTheApiKeysPageToAnAgentAndLeaveItOutOfTheirMenu()
    {
        var agent = await fixture.CreateMemberAsync(fixture.Demo, role: "Agent");
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, agent);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Inbox" })).ToBeVisibleAsync();
        var menu = await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).InnerTextAsync();

        await page.GotoAsync("/admin/api-keys");

        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        Assert.DoesNotContain("API keys", menu, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("api-keys").CountAsync());
    }

    [Fact]
    public async Task NeverListAnotherTenantsKeys()
    {
        var otherName = $"default-only {Guid.NewGuid():N}";
        using var defaultAdmin = TenantAdminPages.ApiClient(fixture, fixture.Default.ApiKey);
        using var created = await defaultAdmin.PostAsJsonAsync("/v2/api-keys", new { name = otherName, scopes = ReadOnly }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var otherPrefix = (await created.Content.ReadFromJsonAsync<CreatedKey>(Ct))!.Prefix.TrimEnd('…');

        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/api-keys");
        await Portal.ReadyAsync(page);
        await Assertions.Expect(page.GetByTestId("api-key-row-name").First).ToBeVisibleAsync();
        var axe = await page.RunAxe();
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-api-keys.png");
        var content = await page.ContentAsync();

        Assert.DoesNotContain(otherName, content, StringComparison.Ordinal);
        Assert.DoesNotContain(otherPrefix, content, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Default.ApiKey[..12], content, StringComparison.Ordinal);
        Assert.True(TenantAdminPages.Serious(axe).Count == 0, string.Join("\n", TenantAdminPages.Serious(axe)));
    }

    private sealed record CreatedKey(Guid Id, string Prefix);

    private async Task<HttpResponseMessage> ListConversationsAsync(string key)
    {
        using var client = TenantAdminPages.ApiClient(fixture, key);
        return await client.GetAsync(new Uri("/v2/conversations", UriKind.Relative), Ct);
    }
}
