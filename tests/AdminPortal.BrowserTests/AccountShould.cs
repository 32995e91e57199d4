using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>A person's own account: two-factor sign-in, lockout, several workspaces, signing out.</summary>
public sealed class AccountShould(PortalFixture fixture)
{
    [Fact]
    public async Task AskForTheAuthenticatorCodeOnceTwoFactorIsOn()
    {
        var login = await fixture.CreateMemberAsync(fixture.Demo);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, login);

        await page.GotoAsync("/account/manage");
        await page.GetByTestId("setup-two-factor").ClickAsync();
        var key = await page.GetByTestId("authenticator-key").InnerTextAsync();
        await page.GetByTestId("code").FillAsync(Totp.Code(key, DateTimeOffset.UtcNow));
        await page.GetByTestId("enable-two-factor").ClickAsync();
        await Assertions.Expect(page.GetByTestId("two-factor-on")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("recovery-codes")).ToBeVisibleAsync();
        await page.GotoAsync("/admin/inbox");
        await page.GetByTestId("sign-out").ClickAsync();
        await page.WaitForURLAsync("**/account/sign-in");

        await page.GetByTestId("email").FillAsync(login.Email);
        await page.GetByTestId("password").FillAsync(login.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.WaitForURLAsync("**/account/two-factor**");
        await page.GetByTestId("code").FillAsync("000000" == Totp.Code(key, DateTimeOffset.UtcNow) ? "111111" : "000000");
        await page.GetByTestId("verify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("two-factor-error")).ToBeVisibleAsync();
        await page.GetByTestId("code").FillAsync(Totp.Code(key, DateTimeOffset.UtcNow));
        await page.GetByTestId("verify").ClickAsync();

        await page.WaitForURLAsync("**/admin/inbox");
    }

    [Fact]
    public async Task LockAnAccountAfterFiveWrongPasswordsEvenForTheRightOne()
    {
        var login = await fixture.CreateMemberAsync(fixture.Demo);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync("/account/sign-in");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            await page.GetByTestId("email").FillAsync(login.Email);
            await page.GetByTestId("password").FillAsync("wrong password " + attempt);
            await page.GetByTestId("sign-in").ClickAsync();
            await Assertions.Expect(page.GetByTestId("sign-in-error")).ToBeVisibleAsync();
        }
        await page.GetByTestId("email").FillAsync(login.Email);
        await page.GetByTestId("password").FillAsync(login.Password);
        await page.GetByTestId("sign-in").ClickAsync();

        await Assertions.Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("locked");
        Assert.DoesNotContain(await person.CookiesAsync(), c => c.Name == "omnichat.portal");
    }

    [Fact]
    public async Task LetAMemberOfTwoWorkspacesChooseAndSwitchExplicitly()
    {
        var login = await fixture.CreateMemberAsync(fixture.Demo);
        await fixture.AddMembershipAsync(login, fixture.Default);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();

        await page.GotoAsync("/admin");
        await page.GetByTestId("email").FillAsync(login.Email);
        await page.GetByTestId("password").FillAsync(login.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.WaitForURLAsync("**/account/tenants**");
        await page.GetByTestId("workspace").Filter(new() { HasText = fixture.Default.Name }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-button")).ToContainTextAsync(fixture.Default.Name);

        await page.GotoAsync("/account/tenants");
        await page.GetByTestId("workspace").Filter(new() { HasText = fixture.Demo.Name }).ClickAsync();

        await page.WaitForURLAsync("**/admin/inbox");
        await Assertions.Expect(page.GetByTestId("account-button")).ToContainTextAsync(fixture.Demo.Name);
    }

    [Fact]
    public async Task EndTheSessionOnSignOut()
    {
        var login = await fixture.CreateMemberAsync(fixture.Demo);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, login);

        await page.GetByTestId("sign-out").ClickAsync();
        await page.WaitForURLAsync("**/account/sign-in");
        await page.GotoAsync("/admin/inbox");

        Assert.Contains("/account/sign-in", page.Url, StringComparison.Ordinal);
    }
}
