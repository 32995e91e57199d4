using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OmniChat.Api.Tests;

/// <summary>
/// A real S3-compatible server for the S3 storage tests: npm's <c>s3rver</c> 3.7.1, installed once into a tool directory
/// under the system's temp folder (by npm, from the registry), run with node on a free loopback port with a bucket made at
/// start, and stopped by its process id. Needs node and npm on the PATH, as the widget build does.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Version = "3.7.1";
    public const string Bucket = "omnichat-test";

    /// <summary>s3rver's fixed credentials.</summary>
    public const string AccessKey = "S3RVER";

    public const string SecretKey = "S3RVER";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "omnichat-s3rver-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? _server;

    public Uri ServiceUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var script = await InstallAsync(TestContext.Current.CancellationToken);
        var port = FreePort();
        Directory.CreateDirectory(_data);
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { script, "--directory", _data, "--address", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--silent", "--configure-bucket", Bucket },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _server = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        ServiceUrl = new Uri($"http://127.0.0.1:{port}");

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_server.ExitCode}");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri(ServiceUrl, "/" + Bucket), TestContext.Current.CancellationToken);
                // Any answer about the bucket means the server is up and has made it.
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("s3rver did not answer within 30 seconds");
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(5000);
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    // Installed into a directory of its own, then moved into place, so a half-finished install is never used.
    private static async Task<string> InstallAsync(CancellationToken cancellationToken)
    {
        var tools = Path.Combine(Path.GetTempPath(), "omnichat-tools");
        var home = Path.Combine(tools, "s3rver-" + Version);
        var script = Path.Combine(home, "node_modules", "s3rver", "bin", "s3rver.js");
        if (File.Exists(script))
        {
            return script;
        }
        var staging = Path.Combine(tools, "staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        var install = new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--prefix", staging, "s3rver@" + Version, "--no-audit", "--no-fund", "--loglevel=error" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var npm = Process.Start(install) ?? throw new InvalidOperationException("npm did not start");
        var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install s3rver@{Version} failed ({npm.ExitCode}): {await output}{await errors}");
        }
        try
        {
            Directory.Move(staging, home);
        }
        catch (IOException) when (File.Exists(script))
        {
            // Another run installed it first.
            Directory.Delete(staging, recursive: true);
        }
        return script;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
