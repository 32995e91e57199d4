using System.Diagnostics;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Api.Tests;

public sealed class StartupShould
{
    [Fact]
    public async Task StopWithOneLineNamingEachMissingSetting()
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost())
        {
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(DistributedApplication.ServiceAssemblyPath(ResourceNames.Api));
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["PORT"] = PortSet.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["REDIS_URL"] = "redis://127.0.0.1:1";
        info.Environment["SERVICE_TOKEN"] = new string('s', 40);
        info.Environment["CONVERSATION_JWT_SECRET"] = new string('j', 40);
        info.Environment["WEBHOOK_SIGNING_KEY"] = new string('w', 40);

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(78, process.ExitCode);
        var line = Assert.Single(lines);
        Assert.Equal("OmniChat.Api: missing required setting ConnectionStrings__postgres (or DATABASE_URL)", line);
    }
}
