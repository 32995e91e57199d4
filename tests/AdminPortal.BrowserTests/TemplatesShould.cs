using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>An admin words and translates the workspace's templates and sees, live, which text a visitor's locale gets.</summary>
public sealed class TemplatesShould(PortalFixture fixture)
{
    [Fact]
    public async Task ShowTheNewTextInThePreviewAfterATranslationChangesAndWhichStepALocaleFallsBackTo()
    {
        var key = $"e2e.greeting.{Guid.NewGuid():N}"[..29];
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/templates");
        await Portal.ReadyAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Templates and translations", Level = 1 })).ToBeVisibleAsync();

        await SaveTranslationAsync(page, page.GetByTestId("new-translation"), key, "pt", "Olá! Em que podemos ajudar?");
        await TenantAdminPages.Field(page, "preview-locale").FillAsync("pt-BR");
        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("Olá! Em que podemos ajudar?");
        await Assertions.Expect(page.GetByTestId("preview-source")).ToContainTextAsync("Language (pt)");

        await SaveTranslationAsync(page, Translation(page, "pt").GetByTestId("translation-edit"), null, null, "Olá! Como podemos ajudar hoje?");
        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("Olá! Como podemos ajudar hoje?");
        await Assertions.Expect(page.GetByTestId("preview-source")).ToContainTextAsync("Language (pt)");

        await SaveTranslationAsync(page, page.GetByTestId("translation-add"), null, "pt-br", "Oi! Como a gente pode ajudar?");
        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("Oi! Como a gente pode ajudar?");
        await Assertions.Expect(page.GetByTestId("preview-source")).ToContainTextAsync("Exact locale (pt-BR)");

        await TenantAdminPages.Field(page, "preview-locale").FillAsync("pt-PT");
        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("Olá! Como podemos ajudar hoje?");
        await Assertions.Expect(page.Locator("[data-testid=preview-step][data-answers=true]")).ToHaveAttributeAsync("data-source", "language");

        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-templates.png");
        await TenantAdminPages.Field(page, "preview-locale").FillAsync("de-AT");
        await Assertions.Expect(page.GetByTestId("preview-none")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ExplainABadKeyLocaleOrEmptyTextBeforeSavingAtAPhonesWidth()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 740);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/templates");
        await Portal.ReadyAsync(page);

        await page.GetByTestId("new-translation").ClickAsync();
        await TenantAdminPages.Field(page, "translation-key").FillAsync("Not A Key");
        await TenantAdminPages.Field(page, "translation-locale").FillAsync("portuguese!");
        await page.GetByTestId("translation-save").ClickAsync();

        var dialog = page.GetByTestId("translation-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("Lower-case letters, digits, '_', '.', '-'; at most 100.");
        await Assertions.Expect(dialog).ToContainTextAsync("A BCP 47 language tag, for example en or pt-BR.");
        await Assertions.Expect(dialog).ToContainTextAsync("Required, 1 to 4000 characters.");
        var axe = await page.RunAxe();
        Assert.True(TenantAdminPages.Serious(axe).Count == 0, string.Join("\n", TenantAdminPages.Serious(axe)));
    }

    [Fact]
    public async Task ShowThePlatformTextOfABuiltInKeyAndPassAnAxeScan()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/templates");
        await Portal.ReadyAsync(page);

        await TenantAdminPages.Field(page, "template-filter").FillAsync("agent_joined");
        await page.GetByTestId("template-key").Filter(new() { HasText = "agent_joined" }).ClickAsync();
        await TenantAdminPages.Field(page, "preview-locale").FillAsync("xx-YY");

        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("An agent has joined the conversation.");
        await Assertions.Expect(page.GetByTestId("preview-source")).ToContainTextAsync("Platform default (en)");
        var axe = await page.RunAxe();
        Assert.True(TenantAdminPages.Serious(axe).Count == 0, string.Join("\n", TenantAdminPages.Serious(axe)));
    }

    // Opens the translation dialog with <paramref name="opener"/>, fills what is given, saves and waits for the dialog to close.
    private static async Task SaveTranslationAsync(IPage page, ILocator opener, string? key, string? locale, string text)
    {
        await opener.ClickAsync();
        var dialog = page.GetByTestId("translation-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        if (key is not null)
        {
            await TenantAdminPages.Field(page, "translation-key").FillAsync(key);
        }
        if (locale is not null)
        {
            await TenantAdminPages.Field(page, "translation-locale").FillAsync(locale);
        }
        await TenantAdminPages.Field(page, "translation-text").FillAsync(text);
        await page.GetByTestId("translation-save").ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();
    }

    private static ILocator Translation(IPage page, string locale) =>
        page.GetByTestId("translations").Locator("tr", new() { Has = page.Locator("code", new() { HasTextRegex = new($"^{locale}$") }) });
}
