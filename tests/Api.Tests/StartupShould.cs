using System.Diagnostics;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Api.Tests;

/// <summary>The Api refuses to start without a required setting: exit code 78 and one line naming it (README, Configuration).</summary>
public sealed class StartupShould
{
    /// <summary>A process that neither exits nor fails by then is hung: the test fails instead of waiting forever.</summary>
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Every required setting of the Api, each present and well-formed (nothing listens on port 1).</summary>
    private static readonly Dictionary<string, string> Required = new()
    {
        ["DATABASE_URL"] = "postgres://omnichat:secret@127.0.0.1:1/omnichat",
        ["REDIS_URL"] = "redis://127.0.0.1:1",
        ["SERVICE_TOKEN"] = new string('s', 40),
        ["CONVERSATION_JWT_SECRET"] = new string('j', 40),
        ["WEBHOOK_SIGNING_KEY"] = new string('w', 40),
        ["DataProtection__KeyEncryptionKey"] = Convert.ToBase64String(new byte[32]),
    };

    public static TheoryData<string, string> EachRequiredSetting => new()
    {
        { "DATABASE_URL", "missing required setting ConnectionStrings__postgres (or DATABASE_URL)" },
        { "REDIS_URL", "missing required setting ConnectionStrings__redis (or REDIS_URL)" },
        { "SERVICE_TOKEN", "missing required setting SERVICE_TOKEN (Security__ServiceToken, at least 32 characters)" },
        { "CONVERSATION_JWT_SECRET", "missing required setting CONVERSATION_JWT_SECRET (Security__ConversationJwtSecret, at least 32 characters)" },
        { "WEBHOOK_SIGNING_KEY", "missing required setting WEBHOOK_SIGNING_KEY (Security__WebhookSigningKey, at least 32 characters)" },
        { "DataProtection__KeyEncryptionKey",
            "missing or invalid required setting DataProtection__KeyEncryptionKey (base64 of 32 random bytes: openssl rand -base64 32)" },
    };

    [Theory]
    [MemberData(nameof(EachRequiredSetting))]
    public async Task StopWithOneLineNamingAMissingSetting(string missing, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(DistributedApplication.ServiceAssemblyPath(ResourceNames.Api));
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["PORT"] = PortSet.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in Required.Where(s => s.Key != missing))
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(ProcessTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"The Api without {missing} neither stopped nor failed within {ProcessTimeout.TotalSeconds:0} s.");
            }
        }
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await stdout;

        Assert.Equal(78, process.ExitCode);
        var line = Assert.Single(lines);
        Assert.Equal($"OmniChat.Api: {message}", line);
    }
}
