using System.Diagnostics;

namespace OmniChat.Deploy.Tests;

/// <summary>
/// Every generated object passes the Kubernetes JSON schema of its kind, checked offline by the npm package
/// kubernetes-models (tests/Deploy.Tests/schema: validate.mjs, its own package.json and lock file).
/// </summary>
public sealed class KubernetesSchemaShould
{
    private static readonly string SchemaFolder = Path.Combine(Repository.Root, "tests", "Deploy.Tests", "schema");
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static TheoryData<bool> SandboxOrNot => [false, true];

    [Theory]
    [MemberData(nameof(SandboxOrNot))]
    public async Task AcceptEveryObject(bool includeSandbox)
    {
        var ct = TestContext.Current.CancellationToken;
        await EnsureInstalledAsync(ct);
        var deployment = GeneratedDeployment.Render(includeSandbox);
        using var folder = deployment.WriteToTemporaryFolder();

        var (exitCode, output) = await RunAsync("node", ["validate.mjs", folder.Path], ct);

        Assert.True(exitCode == 0, output);
        var objects = deployment.Objects.Count;
        Assert.Contains($"{objects} objects, 0 invalid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefuseAnObjectThatBreaksItsSchema()
    {
        var ct = TestContext.Current.CancellationToken;
        await EnsureInstalledAsync(ct);
        using var folder = GeneratedDeployment.Render(includeSandbox: false).WriteToTemporaryFolder();
        var api = Path.Combine(folder.Path, "api.yaml");
        await File.WriteAllTextAsync(api, (await File.ReadAllTextAsync(api, ct)).Replace("periodSeconds: 10", "periodSeconds: ten", StringComparison.Ordinal), ct);

        var (exitCode, output) = await RunAsync("node", ["validate.mjs", folder.Path], ct);

        Assert.Equal(1, exitCode);
        Assert.Contains("invalid api.yaml Deployment/api", output, StringComparison.Ordinal);
    }

    // ./test.sh installs the packages before the .NET suites; a run of this project alone installs them once here.
    private static async Task EnsureInstalledAsync(CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (File.Exists(Path.Combine(SchemaFolder, "node_modules", ".package-lock.json")))
            {
                return;
            }
            var (exitCode, output) = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], ct);
            Assert.True(exitCode == 0, $"npm install in {SchemaFolder} failed: {output}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = SchemaFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
