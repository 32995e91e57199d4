using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.Widget.Tests.WidgetFixture))]

namespace OmniChat.Widget.Tests;

/// <summary>
/// The whole system a visitor's widget talks to, started through the AppHost library: PostgreSQL, Redis, RabbitMQ, the
/// Api (which serves the widget and the demo page), the realtime hub, the Workers and the Telegram sandbox standing in
/// for Telegram. Plus one headless chromium (Debian's, driven by Playwright) shared by the tests; each test opens its own
/// browser context (its own cookies, like a new visitor).
/// </summary>
public sealed class WidgetFixture : ServersFixture
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri ApiUrl => App.ServiceUrls[ResourceNames.Api];

    public Uri SandboxUrl => App.ServiceUrls[ResourceNames.TelegramSandbox];

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers],
    };

    protected override async Task OnStartedAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"], Headless = true });
    }

    protected override async Task OnStoppingAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
