using System.Globalization;
using StackExchange.Redis;

namespace OmniChat.AppHost.Hosting;

/// <summary>Our own Redis, password-protected, bound to loopback, append-only persistence (none when ephemeral).</summary>
internal sealed class RedisServer(ManagedProcess process, int port, string password)
{
    public ManagedProcess Process { get; } = process;

    public string ConnectionString { get; } = $"127.0.0.1:{port},password={password}";

    public static async Task<RedisServer> StartAsync(ServerBinaries binaries, string dataDirectory, string runDirectory, int port,
        string password, bool ephemeral, LogSink logs, CancellationToken cancellationToken)
    {
        const string Name = "redis";
        Directory.CreateDirectory(dataDirectory);
        // The password goes in a 0600 config file, not on the command line where /proc shows it.
        var config = Path.Combine(dataDirectory, "redis.conf");
        await PrivateFile.WriteTextAsync(config, $"requirepass {password}\n", cancellationToken);
        string[] args =
        [
            config, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dataDirectory,
            "--daemonize", "no", "--protected-mode", "yes", "--logfile", "",
            "--save", "", "--appendonly", ephemeral ? "no" : "yes",
        ];
        var process = await ManagedProcess.StartAsync(
            new ProcessSpec(Name, binaries.RedisServer, args, dataDirectory, Path.Combine(runDirectory, Name + ".pid"), dataDirectory)
            {
                Ports = [new PortClaim(port, "Redis", AppHostOptions.PortSetting(Name))],
            },
            logs, cancellationToken);
        var server = new RedisServer(process, port, password);
        try
        {
            await Readiness.WaitAsync(Name, process, TimeSpan.FromSeconds(30), async _ =>
            {
                var options = ConfigurationOptions.Parse(server.ConnectionString);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
                await redis.GetDatabase().PingAsync();
            }, logs, cancellationToken);
        }
        catch
        {
            // Not ready (or start cancelled): do not leave it running outside anyone's bookkeeping.
            await process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(15));
            throw;
        }
        return server;
    }

    public Task StopAsync() => Process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(15));
}
