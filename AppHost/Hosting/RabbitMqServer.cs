using System.Globalization;
using RabbitMQ.Client;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Our own RabbitMQ node: the inner <c>rabbitmq-server</c> script run directly (as the current user, in its own process
/// group), with its own node name, ports, config, data and Erlang cookie under its data directory.
/// </summary>
internal sealed class RabbitMqServer(ManagedProcess process, ManagedProcess epmd, int port, string password)
{
    public const string User = "omnichat";

    public ManagedProcess Process { get; } = process;

    /// <summary>The node's own Erlang port mapper (not the machine-wide daemon, which would outlive us).</summary>
    public ManagedProcess Epmd { get; } = epmd;

    public string ConnectionString { get; } = $"amqp://{User}:{password}@127.0.0.1:{port}/";

    public static async Task<RabbitMqServer> StartAsync(ServerBinaries binaries, string dataDirectory, string runDirectory, int port,
        int distributionPort, int epmdPort, string password, LogSink logs, CancellationToken cancellationToken)
    {
        const string Name = "rabbitmq";
        Directory.CreateDirectory(dataDirectory);
        var epmdPortText = epmdPort.ToString(CultureInfo.InvariantCulture);
        var epmd = await ManagedProcess.StartAsync(
            new ProcessSpec("epmd", FindEpmd(), ["-port", epmdPortText, "-address", "127.0.0.1"], dataDirectory,
                Path.Combine(runDirectory, "epmd.pid"), $"-port {epmdPortText}")
            {
                Ports = [new PortClaim(epmdPort, "Erlang port mapper", "OMNICHAT_RABBITMQ_EPMD_PORT")],
            },
            logs, cancellationToken);

        var config = Path.Combine(dataDirectory, "rabbitmq.conf");
        // default_user applies when the node first boots with an empty database; the password then lives in its data.
        await PrivateFile.WriteTextAsync(config, $"""
            listeners.tcp.default = 127.0.0.1:{port}
            default_user = {User}
            default_pass = {password}
            loopback_users = none
            log.console = true
            log.console.level = warning
            log.file = false
            """, cancellationToken);
        var plugins = Path.Combine(dataDirectory, "enabled_plugins");
        await File.WriteAllTextAsync(plugins, "[].", cancellationToken);
        var envFile = Path.Combine(dataDirectory, "rabbitmq-env.conf");
        await File.WriteAllTextAsync(envFile, "", cancellationToken);

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..10];
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = dataDirectory,
            ["RABBITMQ_NODENAME"] = $"omnichat-{hash}@localhost",
            ["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_CONFIG_FILE"] = config,
            ["RABBITMQ_CONF_ENV_FILE"] = envFile,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dataDirectory, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dataDirectory, "rabbit.pid"),
            ["ERL_CRASH_DUMP"] = Path.Combine(dataDirectory, "erl_crash.dump"),
            ["ERL_EPMD_PORT"] = epmdPortText,
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            // The Erlang distribution port (node-to-node and CLI, guarded only by the cookie) on loopback, like AMQP and epmd;
            // without this it listens on every interface.
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
        var process = await ManagedProcess.StartAsync(
            new ProcessSpec(Name, binaries.RabbitMqServer, [], dataDirectory, Path.Combine(runDirectory, Name + ".pid"), dataDirectory)
            {
                Environment = environment,
                Ports =
                [
                    new PortClaim(port, "RabbitMQ", AppHostOptions.PortSetting(Name)),
                    new PortClaim(distributionPort, "RabbitMQ distribution", "OMNICHAT_RABBITMQ_DIST_PORT"),
                ],
            },
            logs, cancellationToken);

        var server = new RabbitMqServer(process, epmd, port, password);
        try
        {
            await Readiness.WaitAsync(Name, process, TimeSpan.FromSeconds(120), async ct =>
            {
                var factory = new ConnectionFactory { Uri = new Uri(server.ConnectionString), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
                await using var connection = await factory.CreateConnectionAsync(ct);
            }, logs, cancellationToken);
        }
        catch
        {
            // Not ready (or start cancelled): do not leave it running outside anyone's bookkeeping.
            await process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(20));
            await epmd.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(5));
            throw;
        }
        return server;
    }

    public async Task StopAsync()
    {
        await Process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(20));
        await Epmd.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(5));
    }

    private static string FindEpmd() => File.Exists("/usr/bin/epmd") ? "/usr/bin/epmd" : "epmd";
}
