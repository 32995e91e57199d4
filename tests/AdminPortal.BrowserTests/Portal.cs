using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>What a person does in the portal, in words the tests read as (sign in, open a page).</summary>
public static class Portal
{
    /// <summary>Signs in on the sign-in page <paramref name="page"/> shows and waits until the portal has taken the person in.</summary>
    public static async Task SignInAsync(IPage page, Login login, string? path = "/admin")
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(login);
        if (path is not null)
        {
            await page.GotoAsync(path);
        }
        await page.GetByTestId("email").FillAsync(login.Email);
        await page.GetByTestId("password").FillAsync(login.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        // Only until the next page is committed: its circuit (ReadyAsync) is what matters, not every resource's load event,
        // which a loaded machine can take minutes to fire.
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        await ReadyAsync(page);
    }

    /// <summary>Opens <paramref name="path"/> and waits until its circuit is up (before that, a prerendered page shows but buttons do nothing).</summary>
    public static async Task OpenAsync(IPage page, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(path);
        await ReadyAsync(page);
    }

    /// <summary>Waits until the page's circuit is up.</summary>
    public static Task ReadyAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}
