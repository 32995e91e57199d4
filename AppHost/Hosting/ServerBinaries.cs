namespace OmniChat.AppHost.Hosting;

/// <summary>Finds the PostgreSQL, Redis and RabbitMQ programs, installing the Debian packages when missing and allowed.</summary>
internal sealed record ServerBinaries(string PostgresBin, string RedisServer, string RabbitMqServer)
{
    private static readonly Dictionary<string, string?> AptEnvironment = new() { ["DEBIAN_FRONTEND"] = "noninteractive" };

    private static readonly string[] PostgresVersions = ["17", "16", "15", "14", "13"];

    public string Initdb => Path.Combine(PostgresBin, "initdb");

    public string Postgres => Path.Combine(PostgresBin, "postgres");

    /// <summary>
    /// Locates the binaries we need. When one is missing and we are root on a system with apt, installs its package
    /// (showing apt's progress); otherwise throws <see cref="MissingServerException"/> naming the command to run.
    /// </summary>
    public static async Task<ServerBinaries> LocateAsync(bool needPostgres, bool needRedis, bool needRabbitMq, LogSink logs,
        CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        if (needPostgres && FindPostgresBin() is null) missing.Add("postgresql");
        if (needRedis && FindRedis() is null) missing.Add("redis-server");
        if (needRabbitMq && FindRabbitMq() is null) missing.Add("rabbitmq-server");

        if (missing.Count > 0)
        {
            var command = $"apt-get install -y {string.Join(' ', missing)}";
            if (!Posix.IsRoot || !File.Exists("/usr/bin/apt-get"))
            {
                throw new MissingServerException(
                    $"Missing {string.Join(", ", missing)}. Install with: sudo apt-get update && sudo {command}");
            }
            logs.Info($"Installing {string.Join(", ", missing)} with apt (first run only)...", ConsoleColor.Yellow);
            await ChildCommand.RunAsync("apt", "apt-get", ["update"], logs, cancellationToken, AptEnvironment);
            await ChildCommand.RunAsync("apt", "apt-get", ["install", "-y", .. missing], logs, cancellationToken, AptEnvironment);
        }

        return new ServerBinaries(
            needPostgres ? FindPostgresBin() ?? throw new MissingServerException("PostgreSQL binaries not found after install.") : "",
            needRedis ? FindRedis() ?? throw new MissingServerException("redis-server not found after install.") : "",
            needRabbitMq ? FindRabbitMq() ?? throw new MissingServerException("rabbitmq-server not found after install.") : "");
    }

    private static string? FindPostgresBin() =>
        PostgresVersions.Select(v => $"/usr/lib/postgresql/{v}/bin").FirstOrDefault(d => File.Exists(Path.Combine(d, "postgres")))
        ?? (FindOnPath("postgres") is { } onPath ? Path.GetDirectoryName(onPath) : null);

    private static string? FindRedis() => FindOnPath("redis-server");

    // The inner script runs the node in our process group, as the current user (the /usr/sbin wrapper would su).
    private static string? FindRabbitMq() =>
        File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server") ? "/usr/lib/rabbitmq/bin/rabbitmq-server" : null;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}

/// <summary>A server program is missing and could not be installed.</summary>
internal sealed class MissingServerException(string message) : Exception(message);
