using System.Net.Http.Headers;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>What the tenant administration journeys share: the Api as an integrator calls it, an axe scan, screenshots.</summary>
internal static class TenantAdminPages
{
    /// <summary>How long a page may take to come up on a busy machine (the circuit connects, then the page loads its data).</summary>
    public static readonly LocatorAssertionsToBeVisibleOptions Loaded = new() { Timeout = 20_000 };

    /// <summary>An Api client with <paramref name="key"/> as its bearer API key.</summary>
    public static HttpClient ApiClient(PortalFixture fixture, string key)
    {
        var client = new HttpClient { BaseAddress = fixture.ApiUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>
    /// Signs a new agent of the demo tenant in with <paramref name="person"/>'s browser and opens <paramref name="path"/>,
    /// which must answer with the access-denied page; the page is returned to check that nothing of it showed.
    /// </summary>
    public static async Task<IPage> OpenAsAgentAsync(PortalFixture fixture, IBrowserContext person, string path)
    {
        var agent = await fixture.CreateMemberAsync(fixture.Demo, role: "Agent");
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, agent);
        await page.GotoAsync(path);
        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>The text box a MudBlazor field with <paramref name="testId"/> renders (the attribute lands on it or on its wrapper).</summary>
    public static ILocator Field(IPage page, string testId) =>
        page.Locator($"[data-testid='{testId}'] input:not([type=hidden]), [data-testid='{testId}'] textarea, input[data-testid='{testId}'], textarea[data-testid='{testId}']")
            .First;

    /// <summary>The serious and critical axe violations of the whole page, once its animations (a snackbar fading in) have run.</summary>
    public static async Task<List<string>> SeriousViolationsAsync(IPage page)
    {
        // Mid-animation colours are half-transparent: axe would judge a contrast no one sees for long.
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => a.playState !== 'running')");
        return Serious(await page.RunAxe());
    }

    /// <summary>The serious and critical violations of an axe result, described.</summary>
    public static List<string> Serious(AxeResult result) =>
        [.. result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html + " " + string.Join(" ", n.Any.Select(c => c.Message))))})")];

    /// <summary>The elements that stick out past the window's right edge (none may at a phone's width), described.</summary>
    public static async Task<string> WiderThanTheWindowAsync(IPage page) =>
        await page.EvaluateAsync<string>("""
            () => document.documentElement.scrollWidth <= window.innerWidth + 1 ? "" :
                [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .slice(-5).map(e => `${e.tagName}.${e.className}`).join("; ")
            """);

    /// <summary>Saves docs/images/<paramref name="name"/> when OMNICHAT_REFRESH_SCREENSHOTS=1 (else takes it and throws it away).</summary>
    public static async Task ScreenshotAsync(PortalFixture fixture, IPage page, string name)
    {
        var refresh = Environment.GetEnvironmentVariable("OMNICHAT_REFRESH_SCREENSHOTS") == "1";
        var path = refresh
            ? Path.Combine(fixture.App.Options.RepositoryRoot, "docs", "images", name)
            : Path.Combine(Path.GetTempPath(), $"omnichat-{Guid.NewGuid():N}-{name}");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        if (!refresh)
        {
            File.Delete(path);
        }
    }
}
