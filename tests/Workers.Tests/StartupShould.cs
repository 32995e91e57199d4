using System.Diagnostics;
using System.Globalization;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Workers.Tests;

/// <summary>The Workers serve the operator endpoints, so they refuse to start without an operator token of their own.</summary>
public sealed class StartupShould
{
    private static readonly string WebhookSigningKey = new('w', 40);
    private static readonly string ServiceToken = new('s', 40);

    public static TheoryData<string?, string> OperatorTokens => new()
    {
        { null, "OmniChat.Workers: missing required setting Security__OperatorToken (at least 32 characters)" },
        { "too-short", "OmniChat.Workers: missing required setting Security__OperatorToken (at least 32 characters)" },
        { ServiceToken, "OmniChat.Workers: Security__OperatorToken must differ from SERVICE_TOKEN, CONVERSATION_JWT_SECRET and WEBHOOK_SIGNING_KEY" },
        { WebhookSigningKey, "OmniChat.Workers: Security__OperatorToken must differ from SERVICE_TOKEN, CONVERSATION_JWT_SECRET and WEBHOOK_SIGNING_KEY" },
    };

    [Theory]
    [MemberData(nameof(OperatorTokens))]
    public async Task StopWithOneLineWhenTheOperatorTokenIsMissingShortOrReused(string? operatorToken, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(DistributedApplication.ServiceAssemblyPath(ResourceNames.Workers));
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["PORT"] = PortSet.FreePort().ToString(CultureInfo.InvariantCulture);
        // Every other setting is present (nothing listens there: the process must stop before connecting anywhere).
        info.Environment["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=nothing;Database=none";
        info.Environment[$"ConnectionStrings__{ResourceNames.PostgresSystem}"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=nothing;Database=none";
        info.Environment["REDIS_URL"] = "redis://127.0.0.1:1";
        info.Environment["RABBITMQ_URL"] = "amqp://nobody:nothing@127.0.0.1:1/";
        info.Environment["WEBHOOK_SIGNING_KEY"] = WebhookSigningKey;
        info.Environment["SERVICE_TOKEN"] = ServiceToken;
        info.Environment["DataProtection__KeyEncryptionKey"] = Convert.ToBase64String(new byte[32]);
        if (operatorToken is not null)
        {
            info.Environment["Security__OperatorToken"] = operatorToken;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            // A guard against a Workers process that starts anyway, not a measurement.
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        await stdout;
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(78, process.ExitCode);
        Assert.Equal(expected, Assert.Single(lines));
    }
}
