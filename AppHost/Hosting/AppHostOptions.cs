using Microsoft.Extensions.Configuration;
using OmniChat.Core;

namespace OmniChat.AppHost.Hosting;

/// <summary>How to run the distributed application: where data lives, on which ports, which services to start.</summary>
public sealed record AppHostOptions
{
    /// <summary>Every service the AppHost knows, in start order.</summary>
    public static readonly IReadOnlyList<string> AllServices =
        [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal];

    /// <summary>Root of all state: servers' data, logs, pid files, secrets, credentials.</summary>
    public required string DataDirectory { get; init; }

    public PortSet Ports { get; init; } = new();

    /// <summary>Services to start after the servers; empty for servers only.</summary>
    public IReadOnlyList<string> Services { get; init; } = AllServices;

    public bool StartRabbitMq { get; init; } = true;

    public bool StartRedis { get; init; } = true;

    /// <summary>The services' ASPNETCORE_ENVIRONMENT.</summary>
    public string Environment { get; init; } = "Development";

    /// <summary>Echo child output to the console (the AppHost does; tests keep it in log files).</summary>
    public bool EchoLogs { get; init; }

    /// <summary>Tuning for throwaway test data: no fsync, no Redis persistence.</summary>
    public bool Ephemeral { get; init; }

    /// <summary>Extra environment for every service (tests and benchmarks tune limits this way).</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Tenants (by identifier) moved to <see cref="UnlimitedPlan"/> before the services start, for load tests and
    /// benchmarks. Set here rather than afterwards: the services cache a tenant's plan for a few seconds.
    /// </summary>
    public IReadOnlyList<string> UnlimitedTenants { get; init; } = [];

    /// <summary>
    /// Instances per service, for services that may run more than once behind the AppHost (<see cref="ReplicableServices"/>).
    /// A service with more than one runs its instances on free internal ports; the Api and Realtime get a local load
    /// balancer on their usual port (ADR 0036). A service not named (or named with 1) runs once, as without the option.
    /// </summary>
    public IReadOnlyDictionary<string, int> Replicas { get; init; } = new Dictionary<string, int>();

    /// <summary>The services <see cref="Replicas"/> may name: the stateless ones (the portal's circuits and the sandbox are not).</summary>
    public static readonly IReadOnlyList<string> ReplicableServices = [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers];

    /// <summary>Most instances of one service <see cref="Replicas"/> may ask for.</summary>
    public const int MaxReplicas = 8;

    /// <summary>How many instances of <paramref name="service"/> to run (1 unless <see cref="Replicas"/> says more).</summary>
    public int InstancesOf(string service) => Replicas.TryGetValue(service, out var count) && count > 1 ? count : 1;

    /// <summary>Name of the application database.</summary>
    public string Database { get; init; } = "omnichat";

    /// <summary>Servers given from outside (connection strings): the AppHost starts none of its own for those.</summary>
    public ExternalServers External { get; init; } = new(null, null, null);

    /// <summary>Where the repository (and so the services' project folders) is.</summary>
    public string RepositoryRoot { get; init; } = BuildInfo.RepositoryRoot;

    /// <summary>Options for <c>dotnet run --project AppHost</c>: environment variables and <c>--key=value</c> arguments.</summary>
    public static AppHostOptions FromCommandLine(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args, SwitchMappings)
            .Build();

        int Port(string key, int fallback) =>
            int.TryParse(configuration[key], out var port) && port is > 0 and < 65536 ? port : fallback;

        var defaults = new PortSet();
        var dataDirectory = configuration["OMNICHAT_DATA_DIR"] is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.Combine(BuildInfo.RepositoryRoot, ".omnichat");
        var services = configuration["OMNICHAT_SERVICES"] is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : AllServices;

        return new AppHostOptions
        {
            DataDirectory = dataDirectory,
            Services = [.. services],
            Environment = configuration["OMNICHAT_ENVIRONMENT"] ?? "Development",
            Replicas = ParseReplicas(configuration["OMNICHAT_REPLICAS"]),
            EchoLogs = true,
            Ports = new PortSet
            {
                Api = Port("OMNICHAT_API_PORT", defaults.Api),
                Realtime = Port("OMNICHAT_REALTIME_PORT", defaults.Realtime),
                AdminPortal = Port("OMNICHAT_ADMINPORTAL_PORT", defaults.AdminPortal),
                TelegramSandbox = Port(TelegramSandboxPortSetting, defaults.TelegramSandbox),
                Workers = Port("OMNICHAT_WORKERS_PORT", defaults.Workers),
                Postgres = Port("OMNICHAT_POSTGRES_PORT", defaults.Postgres),
                Redis = Port("OMNICHAT_REDIS_PORT", defaults.Redis),
                RabbitMq = Port("OMNICHAT_RABBITMQ_PORT", defaults.RabbitMq),
                RabbitMqDistribution = Port("OMNICHAT_RABBITMQ_DIST_PORT", defaults.RabbitMqDistribution),
                RabbitMqEpmd = Port("OMNICHAT_RABBITMQ_EPMD_PORT", defaults.RabbitMqEpmd),
            },
            External = new ExternalServers(
                configuration[$"ConnectionStrings:{ResourceNames.Postgres}"],
                configuration[$"ConnectionStrings:{ResourceNames.Redis}"],
                configuration[$"ConnectionStrings:{ResourceNames.RabbitMq}"]),
        };
    }

    /// <summary>
    /// <c>api=2,realtime=2,workers=2</c> as a dictionary. An item that is not <c>name=count</c> is kept with count 0, so
    /// that <see cref="ValidateReplicas"/> (run at start, where errors are reported in one line) names it.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ParseReplicas(string? text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', StringSplitOptions.TrimEntries);
            counts[parts.Length == 2 ? parts[0].ToLowerInvariant() : item] =
                parts.Length == 2 && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
                    ? count
                    : 0;
        }
        return counts;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first entry of <see cref="Replicas"/> that cannot be run.</summary>
    public void ValidateReplicas()
    {
        foreach (var (service, count) in Replicas)
        {
            if (!ReplicableServices.Contains(service) || count is < 1 or > MaxReplicas)
            {
                throw new InvalidOperationException(
                    $"--replicas (OMNICHAT_REPLICAS) takes service=count pairs for {string.Join(", ", ReplicableServices)} with counts from 1 to " +
                    $"{MaxReplicas}, e.g. api=2,realtime=2,workers=2; '{service}{(count > 0 ? $"={count}" : "")}' is not one.");
            }
        }
    }

    /// <summary>The environment variable that overrides the port of <paramref name="resource"/>.</summary>
    public static string PortSetting(string resource) => resource == ResourceNames.TelegramSandbox
        ? TelegramSandboxPortSetting
        : $"OMNICHAT_{resource.ToUpperInvariant()}_PORT";

    // Documented with an underscore between the words, unlike the resource name.
    private const string TelegramSandboxPortSetting = "OMNICHAT_TELEGRAM_SANDBOX_PORT";

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--data-dir"] = "OMNICHAT_DATA_DIR",
        ["--services"] = "OMNICHAT_SERVICES",
        ["--replicas"] = "OMNICHAT_REPLICAS",
        ["--environment"] = "OMNICHAT_ENVIRONMENT",
        ["--api-port"] = "OMNICHAT_API_PORT",
        ["--realtime-port"] = "OMNICHAT_REALTIME_PORT",
        ["--adminportal-port"] = "OMNICHAT_ADMINPORTAL_PORT",
        ["--workers-port"] = "OMNICHAT_WORKERS_PORT",
        ["--telegram-sandbox-port"] = TelegramSandboxPortSetting,
        ["--postgres-port"] = "OMNICHAT_POSTGRES_PORT",
        ["--redis-port"] = "OMNICHAT_REDIS_PORT",
        ["--rabbitmq-port"] = "OMNICHAT_RABBITMQ_PORT",
        ["--rabbitmq-dist-port"] = "OMNICHAT_RABBITMQ_DIST_PORT",
        ["--rabbitmq-epmd-port"] = "OMNICHAT_RABBITMQ_EPMD_PORT",
    };
}

/// <summary>
/// Connection strings of servers run elsewhere. For PostgreSQL it must be an administrative login (it creates the
/// roles and the database); Redis and RabbitMQ are used as given.
/// </summary>
public sealed record ExternalServers(string? PostgresAdmin, string? Redis, string? RabbitMq);
