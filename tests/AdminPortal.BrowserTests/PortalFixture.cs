using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.AdminPortal.BrowserTests.PortalFixture))]

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>
/// The whole system, started through the AppHost library on free ports (PostgreSQL, Redis, RabbitMQ, the Api, the
/// realtime hub, the Workers, the admin portal and the Telegram sandbox), plus one headless chromium (Debian's, driven
/// by Playwright). Each test opens its own browser context: its own cookies, like another person's browser.
/// </summary>
public sealed class PortalFixture : ServersFixture
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri PortalUrl => App.ServiceUrls[ResourceNames.AdminPortal];

    public Uri ApiUrl => App.ServiceUrls[ResourceNames.Api];

    public Uri SandboxUrl => App.ServiceUrls[ResourceNames.TelegramSandbox];

    public CredentialTenant Demo => App.Credentials.Tenants.Single(t => t.Identifier == "demo");

    public CredentialTenant Default => App.Credentials.Tenants.Single(t => t.Identifier == Core.Tenancy.Tenant.DefaultIdentifier);

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal],
    };

    protected override async Task OnStartedAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"], Headless = true });
    }

    /// <summary>A new browser context (a person's browser) at a desktop width, with the portal as its base URL.</summary>
    public Task<IBrowserContext> NewPersonAsync(int width = 1280, int height = 800) =>
        Browser.NewContextAsync(new() { BaseURL = PortalUrl.ToString().TrimEnd('/'), ViewportSize = new() { Width = width, Height = height } });

    protected override async Task OnStoppingAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
