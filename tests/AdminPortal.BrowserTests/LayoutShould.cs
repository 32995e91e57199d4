using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>The portal's frame on a phone and in the system's dark mode.</summary>
public sealed class LayoutShould(PortalFixture fixture)
{
    [Fact]
    public async Task KeepTheMenuOutOfTheWayOnAPhoneUntilAsked()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 740);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync();
        var inboxLink = page.GetByRole(AriaRole.Link, new() { Name = "Inbox" });

        await Assertions.Expect(inboxLink).Not.ToBeInViewportAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await Assertions.Expect(inboxLink).ToBeInViewportAsync();

        Assert.True(await page.EvaluateAsync<bool>("document.scrollingElement.scrollWidth <= 375"), "the page scrolls sideways on a phone");
    }

    [Fact]
    public async Task FollowTheSystemsDarkMode()
    {
        await using var person = await fixture.Browser.NewContextAsync(new()
        {
            BaseURL = fixture.PortalUrl.ToString().TrimEnd('/'),
            ColorScheme = ColorScheme.Dark,
            ViewportSize = new() { Width = 1280, Height = 800 },
        });
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync();

        // MudBlazor's dark palette paints the page background near black.
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", new System.Text.RegularExpressions.Regex(@"rgb\(([1-7]?\d), ([1-7]?\d), ([1-7]?\d)\)"));
    }
}
