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
        try
        {
            await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        }
        catch (TimeoutException timeout)
        {
            // Say where the sign-in stopped (a refusal, a workspace chooser, a page still loading) instead of only that it did.
            throw new TimeoutException($"{login.Email} was still on {page.Url} after signing in; the page said: {await VisibleTextAsync(page)}", timeout);
        }
        await ReadyAsync(page);
    }

    private static async Task<string> VisibleTextAsync(IPage page)
    {
        try
        {
            var text = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            return text.Length <= 1_000 ? text : text[..1_000] + "…";
        }
        catch (PlaywrightException unreadable)
        {
            return $"(unreadable: {unreadable.Message})";
        }
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
