using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>Signing in to the portal and the operator console, as a person does it.</summary>
public sealed class SignInShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAnAnonymousVisitorOfAdminToSignInAndBringTheDemoAdminToTheInbox()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();

        await page.GotoAsync("/admin");
        Assert.Contains("/account/sign-in?returnUrl=%2Fadmin", page.Url, StringComparison.Ordinal);
        await Portal.SignInAsync(page, fixture.Demo.Admin, path: null);

        await page.WaitForURLAsync("**/admin/inbox");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("account-button")).ToContainTextAsync(fixture.Demo.Name);
    }

    [Fact]
    public async Task BringTheOperatorToTheOperatorConsole()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();

        await Portal.SignInAsync(page, new(fixture.App.Credentials.Operator.Email, fixture.App.Credentials.Operator.Password), "/operator");

        await page.WaitForURLAsync("**/operator");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tenants", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("tenants")).ToContainTextAsync("Demo Company");
    }

    [Fact]
    public async Task RefuseAWrongPasswordWithAClearMessageAndNoSession()
    {
        // A member of its own: a failed attempt on the shared demo admin would leave a failed-access count that the next
        // sign-ins reset at once, and Identity fails a sign-in whose reset loses to a concurrent one (concurrency stamp).
        var login = await fixture.CreateMemberAsync(fixture.Demo);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync("/admin");

        await page.GetByTestId("email").FillAsync(login.Email);
        await page.GetByTestId("password").FillAsync("not the password at all");
        await page.GetByTestId("sign-in").ClickAsync();

        await Assertions.Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync("The email or the password is not right.");
        var cookies = await person.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name == "omnichat.portal");
    }

    [Fact]
    public async Task NotLetTheDemoAdminIntoTheOperatorConsole()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin);

        var response = await page.GotoAsync("/operator");

        Assert.NotNull(response);
        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        Assert.DoesNotContain("Demo Company", await page.ContentAsync(), StringComparison.Ordinal);
        _ = Ct;
    }
}
