using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>A person's own account: two-factor sign-in, lockout, several workspaces, signing out, a forgotten password.</summary>
public sealed class AccountShould(PortalFixture fixture)
{
    /// <summary>
    /// A deployment's first operator, as the migrate Job leaves it (<see cref="PlatformOperators"/>, no password): asks
    /// for a reset link, sets a password with it, signs in to the operator console; the used link is refused afterwards.
    /// </summary>
    [Fact]
    public async Task LetANewOperatorSetAPasswordFromTheMailedLinkAndRefuseThatLinkAfterwards()
    {
        var email = $"first-operator-{Guid.NewGuid():N}@omnichat.local";
        await MakeOperatorAsync(email);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();

        await page.GotoAsync("/account/sign-in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Reset your password" })).ToBeVisibleAsync();
        await page.GetByTestId("email").FillAsync(email);
        await page.GetByTestId("send-reset").ClickAsync();
        await Assertions.Expect(page.GetByTestId("reset-sent")).ToBeVisibleAsync();
        var link = await MailedLinkAsync(email);
        await page.GotoAsync(link);
        var password = "a long passphrase " + Guid.NewGuid().ToString("N")[..8];
        await page.GetByTestId("new-password").FillAsync(password);
        await page.GetByTestId("confirm-password").FillAsync(password);
        await page.GetByTestId("set-password").ClickAsync();
        await Assertions.Expect(page.GetByTestId("password-set")).ToBeVisibleAsync();
        await Portal.SignInAsync(page, new Login(email, password), "/operator");
        await Assertions.Expect(page.GetByTestId("tenants")).ToBeVisibleAsync();

        await using var someoneElse = await fixture.NewPersonAsync();
        var again = await someoneElse.NewPageAsync();
        await again.GotoAsync(link);
        await again.GetByTestId("new-password").FillAsync("another passphrase 1234");
        await again.GetByTestId("confirm-password").FillAsync("another passphrase 1234");
        await again.GetByTestId("set-password").ClickAsync();
        await Assertions.Expect(again.GetByTestId("set-password-error")).ToContainTextAsync("already used");
    }

    private async Task MakeOperatorAsync(string email)
    {
        await using var dataSource = PersistenceExtensions.BuildDataSource(fixture.App.Database.System);
        await using var db = SystemDbContextFactory.Over(dataSource).Create("test: a first operator");
        await PlatformOperators.EnsureAsync(db, email, "First operator", DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The set-password link of the mail the portal printed to its log (Development without an SMTP host).</summary>
    private async Task<string> MailedLinkAsync(string email)
    {
        var pattern = new Regex(@"https?://\S+/account/set-password\?email=" + Regex.Escape(Uri.EscapeDataString(email)) + @"&token=[A-Za-z0-9_-]+");
        string? link = null;
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var path in Directory.GetFiles(fixture.App.LogDirectory, ResourceNames.AdminPortal + "*.log"))
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                link ??= pattern.Match(await reader.ReadToEndAsync(TestContext.Current.CancellationToken)) is { Success: true } match ? match.Value : null;
            }
            return link is not null;
        }, "the portal has logged the reset mail to " + email);
        return link!;
    }

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
