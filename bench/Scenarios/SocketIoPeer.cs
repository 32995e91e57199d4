using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 9: socket.io 4.8 with @socket.io/redis-adapter doing scenario 3 (same sockets, rates and warm-up; events
/// cross Redis from a second server), run with Node.js from <c>bench/peers/socketio</c> so the report shows our hub
/// side by side with a popular alternative. Informational: no goal.
/// </summary>
internal static class SocketIoPeer
{
    /// <summary>Runs the peer; null (with the reason) when Node.js or its packages are not available here.</summary>
    public static async Task<(IReadOnlyList<PeerRun>? Runs, string? Reason)> RunAsync(string redisConnectionString, int sockets, BenchSettings settings,
        IReadOnlyList<int> deliveriesPerSecond, CancellationToken cancellationToken)
    {
        var directory = PeerDirectory();
        if (!File.Exists(Path.Combine(directory, "node_modules", "socket.io", "package.json")))
        {
            var (installed, output) = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], directory, cancellationToken);
            if (!installed)
            {
                return (null, "npm install failed: " + output.Trim().Split('\n').LastOrDefault());
            }
        }
        var (ok, json) = await RunAsync("node", ["fanout.mjs", RedisUrl(redisConnectionString), sockets.ToString(CultureInfo.InvariantCulture),
            settings.WarmUp.TotalSeconds.ToString(CultureInfo.InvariantCulture), settings.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            string.Join(',', deliveriesPerSecond)], directory, cancellationToken);
        if (!ok)
        {
            return (null, "node failed: " + json.Trim().Split('\n').LastOrDefault());
        }
        var runs = JsonDocument.Parse(json.Trim().Split('\n').Last()).RootElement.GetProperty("runs").EnumerateArray()
            .Select(r => new PeerRun(r.GetProperty("deliveriesPerSecond").GetInt32(), r.GetProperty("p50Ms").GetDouble(), r.GetProperty("p99Ms").GetDouble(),
                r.GetProperty("delivered").GetInt64(), r.GetProperty("expected").GetInt64()))
            .ToList();
        return (runs, null);
    }

    // "127.0.0.1:6379,password=secret" → "redis://:secret@127.0.0.1:6379"
    private static string RedisUrl(string connectionString)
    {
        var parts = connectionString.Split(',');
        var password = parts.Skip(1).Select(p => p.Split('=', 2)).FirstOrDefault(kv => kv[0].Trim() == "password")?[1];
        return password is null ? $"redis://{parts[0]}" : $"redis://:{Uri.EscapeDataString(password)}@{parts[0]}";
    }

    private static string PeerDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OmniChat.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? Directory.GetCurrentDirectory(), "bench", "peers", "socketio");
    }

    private static async Task<(bool Ok, string Output)> RunAsync(string file, string[] arguments, string directory, CancellationToken cancellationToken)
    {
        try
        {
            var start = new ProcessStartInfo(file, arguments)
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? (true, await stdout) : (false, await stderr + await stdout);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, ex.Message);
        }
    }
}

/// <summary>One rate of the peer's run.</summary>
internal sealed record PeerRun(int DeliveriesPerSecond, double P50Ms, double P99Ms, long Delivered, long Expected);
