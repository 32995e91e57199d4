using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.TelegramSandbox.Tests.SandboxFixture))]

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>
/// The Telegram sandbox process alone, started through the AppHost library (PostgreSQL comes with every fixture), with
/// Telegram's flood limits on and webhook retries shortened from seconds to a fifth of one, so a refused update comes
/// back within a test. Tests isolate themselves with a bot of their own.
/// </summary>
public sealed class SandboxFixture : ServersFixture
{
    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.TelegramSandbox],
        StartRedis = false,
        StartRabbitMq = false,
        ServiceEnvironment = new Dictionary<string, string>
        {
            ["Sandbox__WebhookRetryDelay"] = "00:00:00.200",
            ["Sandbox__WebhookMaxRetryDelay"] = "00:00:01",
        },
    };

    public Uri SandboxUrl => App.ServiceUrls[ResourceNames.TelegramSandbox];
}
