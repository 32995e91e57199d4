using System.Globalization;
using RabbitMQ.Client;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Our own RabbitMQ node: the inner <c>rabbitmq-server</c> script run directly (as the current user, in its own process
/// group), with its own node name, ports, config, data and Erlang cookie under its data directory.
/// </summary>
internal sealed class RabbitMqServer(ManagedProcess process, int port, string password)
{
    public const string User = "omnichat";

    public ManagedProcess Process { get; } = process;

    public string ConnectionString { get; } = $"amqp://{User}:{password}@127.0.0.1:{port}/";

    public static async Task<RabbitMqServer> StartAsync(ServerBinaries binaries, string dataDirectory, string runDirectory, int port,
        int distributionPort, string password, LogSink logs, CancellationToken cancellationToken)
    {
        const string Name = "rabbitmq";
        Directory.CreateDirectory(dataDirectory);

        var config = Path.Combine(dataDirectory, "rabbitmq.conf");
        // default_user applies when the node first boots with an empty database; the password then lives in its data.
        await File.WriteAllTextAsync(config, $"""
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

        var server = new RabbitMqServer(process, port, password);
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
            throw;
        }
        return server;
    }

    public Task StopAsync() => Process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(20));
}
