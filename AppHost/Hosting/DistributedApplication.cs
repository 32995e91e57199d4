using System.Globalization;
using System.Text.Json;
using OmniChat.AppHost.Model;
using OmniChat.Core;
using OmniChat.Core.Persistence;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// The running system: PostgreSQL, Redis and RabbitMQ (ours, or given), a provisioned and seeded database, and the
/// services as child processes with Aspire-style configuration. <c>dotnet run --project AppHost</c> uses it, and so do
/// the tests (the role <c>Aspire.Hosting.Testing</c> plays): servers only, or servers plus chosen services, on free
/// ports in a temporary directory.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    /// <summary>The billing provider the AppHost configures: a generic Stripe-style signed provider (docs/billing.md).</summary>
    public const string BillingProvider = ApplicationModel.BillingProvider;

    private readonly AppHostOptions _options;
    private readonly LogSink _logs;
    private readonly Secrets _secrets;
    private readonly List<ManagedProcess> _services = [];
    private int _replicas;
    private ServerBinaries? _binaries;
    private readonly Lock _servicesLock = new();
    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private RabbitMqServer? _rabbitMq;
    private int _stopped;
    private readonly List<ServiceInstance> _instances = [];
    private readonly List<Task> _supervisors = [];
    private readonly List<LocalBalancer> _balancers = [];
    private readonly CancellationTokenSource _stopping = new();

    private DistributedApplication(AppHostOptions options, LogSink logs, Secrets secrets)
    {
        _options = options;
        _logs = logs;
        _secrets = secrets;
    }

    public AppHostOptions Options => _options;

    /// <summary>Connection string of a PostgreSQL login that can create roles and databases.</summary>
    public string PostgresAdminConnectionString { get; private set; } = "";

    public DatabaseConnections Database { get; private set; } = new("", "", "");

    public string RedisConnectionString { get; private set; } = "";

    public string RabbitMqConnectionString { get; private set; } = "";

    /// <summary>The HS256 key of conversation tokens given to the services (tests forge and expire tokens with it).</summary>
    public string ConversationJwtSecret => _secrets.ConversationJwtSecret;

    /// <summary>The contents of <c>credentials.json</c>.</summary>
    public Credentials Credentials { get; private set; } = null!;

    /// <summary>Base URL of each started service, by resource name.</summary>
    public IReadOnlyDictionary<string, Uri> ServiceUrls { get; private set; } = new Dictionary<string, Uri>();

    private const string SecretsFileName = "secrets";

    private string SecretsPath => Path.Combine(_options.DataDirectory, SecretsFileName);

    public string CredentialsPath => Path.Combine(_options.DataDirectory, "credentials.json");

    public string LogDirectory => _logs.LogDirectory;

    /// <summary>Every child process, servers first.</summary>
    public IReadOnlyList<ManagedProcess> Processes =>
        [.. new[] { _postgres?.Process, _redis?.Process, _rabbitMq?.Epmd, _rabbitMq?.Process }.OfType<ManagedProcess>(), .. _services];

    /// <summary>Starts everything <paramref name="options"/> asks for; on any failure stops what it started and throws.</summary>
    public static async Task<DistributedApplication> StartAsync(AppHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateReplicas();
        Directory.CreateDirectory(options.DataDirectory);
        var logs = new LogSink(Path.Combine(options.DataDirectory, "logs"), options.EchoLogs);
        var secrets = await Secrets.LoadOrCreateAsync(Path.Combine(options.DataDirectory, SecretsFileName), cancellationToken);
        var app = new DistributedApplication(options, logs, secrets);
        try
        {
            await app.StartServersAsync(cancellationToken);
            await app.PrepareDatabaseAsync(cancellationToken);
            await app.StartServicesAsync(cancellationToken);
            await app.ConnectSandboxTelegramAsync(cancellationToken);
            await app.SetUpWidgetsAsync(cancellationToken);
            await app.WriteCredentialsAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.StopAsync();
            throw;
        }
    }

    /// <summary>
    /// Provisions, migrates and seeds another database in the same PostgreSQL (tests use one per fixture, so fixtures
    /// never see each other's rows).
    /// </summary>
    public async Task<(DatabaseConnections Connections, SeedResult Seed)> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var connections = await DatabaseProvisioner.ProvisionAsync(PostgresAdminConnectionString, name, RolePasswords, cancellationToken);
        await DatabaseProvisioner.MigrateAsync(connections, cancellationToken);
        var seed = await Seeder.SeedAsync(connections, _secrets, TimeProvider.System, cancellationToken);
        await _secrets.SaveAsync(SecretsPath, cancellationToken); // seeding may have generated tenant secrets
        return (connections, seed);
    }

    private RolePasswords RolePasswords =>
        new(_secrets.PostgresOwnerPassword, _secrets.PostgresAppPassword, _secrets.PostgresSystemPassword);

    private async Task StartServersAsync(CancellationToken cancellationToken)
    {
        var external = _options.External;
        var binaries = _binaries = await ServerBinaries.LocateAsync(
            needPostgres: external.PostgresAdmin is null,
            needRedis: _options.StartRedis && external.Redis is null,
            needRabbitMq: _options.StartRabbitMq && external.RabbitMq is null,
            _logs, cancellationToken);

        // Fail fast on a taken service port, before minutes of server start-up; leftovers of a crashed run go first.
        foreach (var service in _options.Services)
        {
            var spec = ServiceSpec(service);
            await ManagedProcess.ReapLeftoverAsync(spec, _logs, cancellationToken);
            foreach (var claim in spec.Ports)
            {
                PortSet.EnsureFree(claim.Port, claim.Resource, claim.OverrideSetting);
            }
        }

        var run = Path.Combine(_options.DataDirectory, "run");
        var postgres = Task.Run(async () =>
        {
            if (external.PostgresAdmin is { } given)
            {
                PostgresAdminConnectionString = given;
                return;
            }
            var dataDirectory = PostgresServer.ChooseDataDirectory(Path.Combine(_options.DataDirectory, "postgres"));
            if (!dataDirectory.StartsWith(_options.DataDirectory, StringComparison.Ordinal))
            {
                _logs.Info($"PostgreSQL data is kept in {dataDirectory} (the postgres user cannot reach {_options.DataDirectory}).", ConsoleColor.Yellow);
            }
            _postgres = await PostgresServer.StartAsync(binaries, dataDirectory, run, _options.Ports.Postgres,
                _secrets.PostgresSuperuserPassword, _options.Ephemeral, _logs, cancellationToken);
            PostgresAdminConnectionString = _postgres.SuperuserConnectionString;
        }, cancellationToken);
        var redis = Task.Run(async () =>
        {
            if (!_options.StartRedis)
            {
                return;
            }
            if (external.Redis is { } given)
            {
                RedisConnectionString = given;
                return;
            }
            _redis = await RedisServer.StartAsync(binaries, Path.Combine(_options.DataDirectory, "redis"), run, _options.Ports.Redis,
                _secrets.RedisPassword, _options.Ephemeral, _logs, cancellationToken);
            RedisConnectionString = _redis.ConnectionString;
        }, cancellationToken);
        var rabbitMq = Task.Run(async () =>
        {
            if (!_options.StartRabbitMq)
            {
                return;
            }
            if (external.RabbitMq is { } given)
            {
                RabbitMqConnectionString = given;
                return;
            }
            _rabbitMq = await RabbitMqServer.StartAsync(binaries, Path.Combine(_options.DataDirectory, "rabbitmq"), run,
                _options.Ports.RabbitMq, _options.Ports.RabbitMqDistribution, _options.Ports.RabbitMqEpmd, _secrets.RabbitMqPassword, _logs, cancellationToken);
            RabbitMqConnectionString = _rabbitMq.ConnectionString;
        }, cancellationToken);

        // Wait for all three even when one fails, so none is left half-started outside our bookkeeping.
        var all = Task.WhenAll(postgres, redis, rabbitMq);
        try
        {
            await all;
        }
        catch when (all.Exception is { InnerExceptions.Count: > 1 } aggregate)
        {
            throw aggregate.InnerExceptions[0];
        }
    }

    private async Task PrepareDatabaseAsync(CancellationToken cancellationToken)
    {
        _logs.Info("Provisioning the database, applying migrations, seeding...");
        var (connections, seed) = await CreateDatabaseAsync(_options.Database, cancellationToken);
        Database = connections;
        Credentials = BuildCredentials(seed);
        // Before any service starts, so no service caches a tenant with its seeded plan.
        foreach (var tenant in _options.UnlimitedTenants)
        {
            await UnlimitedPlan.ApplyAsync(connections.System, tenant, cancellationToken);
        }
    }

    private Credentials BuildCredentials(SeedResult seed) => new(
        new CredentialServices(Url(ResourceNames.Api), Url(ResourceNames.Realtime), Url(ResourceNames.AdminPortal), Url(ResourceNames.Workers),
            Url(ResourceNames.TelegramSandbox)),
        new CredentialConnectionStrings(Database.App, Database.Owner, Database.System, RedisConnectionString, RabbitMqConnectionString),
        _secrets.ServiceToken,
        new OperatorCredentials(seed.Operator.Email, seed.Operator.Password, _secrets.OperatorToken),
        seed.Tenants)
    {
        Billing = new CredentialBilling(BillingProvider, _secrets.BillingWebhookSecret, $"{Url(ResourceNames.Api)}/billing/webhooks/{BillingProvider}"),
    };

    private async Task StartServicesAsync(CancellationToken cancellationToken)
    {
        var urls = _options.Services.ToDictionary(s => s, s => new Uri(Url(s)));
        ServiceUrls = urls;
        var started = await Task.WhenAll(_options.Services.Select(service => _options.InstancesOf(service) > 1
            ? StartInstancesAsync(service, _options.InstancesOf(service), cancellationToken)
            : StartOnceAsync(service, cancellationToken)));
        var failures = started.Count(ok => !ok);
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} service(s) failed to start; see the messages above and {_logs.LogDirectory}.");
        }
    }

    private ProcessSpec ServiceSpec(string service) => ServiceSpec(service, service, PortOf(service));

    private async Task<bool> StartOnceAsync(string service, CancellationToken cancellationToken) =>
        await StartServiceAsync(service, cancellationToken) is not null;

    /// <summary>Services that get a local balancer on their public port when they run more than once.</summary>
    private static readonly string[] BalancedServices = [ResourceNames.Api, ResourceNames.Realtime];

    /// <summary>
    /// Starts <paramref name="count"/> instances of <paramref name="service"/> (<c>api.1</c>, <c>api.2</c>, …) on free
    /// internal ports, each supervised (started again when it dies), and for the Api and Realtime the local balancer on
    /// the service's public port. False when an instance failed to start (reported already).
    /// </summary>
    private async Task<bool> StartInstancesAsync(string service, int count, CancellationToken cancellationToken)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            ports.Add(PortSet.FreePort());
        }
        var balanced = BalancedServices.Contains(service);
        var specs = ports.Select((port, i) =>
        {
            var name = $"{service}.{(i + 1).ToString(CultureInfo.InvariantCulture)}";
            var spec = ServiceSpec(service, name, port);
            if (balanced)
            {
                // Behind the balancer the peer is the balancer: the client's address comes from its X-Forwarded-For, and
                // only from it (ADR 0036).
                spec = spec with
                {
                    Environment = new Dictionary<string, string?>(spec.Environment) { ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1" },
                };
            }
            return (Name: name, Url: new Uri(Url(port)), Spec: spec);
        }).ToList();
        var processes = await Task.WhenAll(specs.Select(s => StartServiceAsync(s.Spec, s.Name, s.Url.ToString(), cancellationToken)));
        if (processes.Any(p => p is null))
        {
            return false;
        }
        lock (_servicesLock)
        {
            foreach (var (spec, process) in specs.Zip(processes))
            {
                var instance = new ServiceInstance(service, spec.Name, spec.Url, spec.Spec, process!);
                _instances.Add(instance);
                _supervisors.Add(Task.Run(() => SuperviseAsync(instance), CancellationToken.None));
            }
        }
        if (balanced)
        {
            var balancer = await LocalBalancer.StartAsync(service, PortOf(service), [.. specs.Select(s => s.Url)], _logs, cancellationToken);
            lock (_servicesLock)
            {
                _balancers.Add(balancer);
            }
        }
        return true;
    }

    /// <summary>Pause before starting a dead instance again (a crash loop then costs little).</summary>
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>Starts <paramref name="instance"/> again, on its port, each time it exits without being stopped.</summary>
    private async Task SuperviseAsync(ServiceInstance instance)
    {
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                var current = instance.Process;
                var code = await current.Exited.WaitAsync(token);
                if (current.IsStopping)
                {
                    return;
                }
                _logs.Info($"{instance.Name} (pid {current.Pid}) exited with code {code}; starting it again on {instance.Url}.", ConsoleColor.Yellow);
                await current.StopAsync(Posix.SigKill, TimeSpan.FromSeconds(5)); // whatever is left of its group, and its pid file
                await Task.Delay(RestartDelay, token);
                var next = await ManagedProcess.StartAsync(instance.Spec, _logs, token);
                lock (_servicesLock)
                {
                    _services.Remove(current);
                    _services.Add(next);
                }
                instance.Started(next);
                try
                {
                    await WaitReadyAsync(instance.Name, next, instance.Url.ToString(), token);
                    instance.Ready();
                }
                catch (ResourceFailedException ex)
                {
                    ReportFailure(ex.Resource, ex.Message, ex.LogTail);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The application is stopping.
        }
        catch (Exception ex) when (ex is PortInUseException or IOException or InvalidOperationException)
        {
            ReportFailure(instance.Name, $"could not be started again: {ex.Message}", []);
        }
    }

    /// <summary>The instances of <paramref name="service"/> started with <see cref="AppHostOptions.Replicas"/> (empty when it runs once).</summary>
    public IReadOnlyList<ServiceInstance> InstancesOf(string service)
    {
        lock (_servicesLock)
        {
            return [.. _instances.Where(i => i.Service == service)];
        }
    }

    private ProcessSpec ServiceSpec(string service, string instance, int port)
    {
        var dll = ServiceAssemblyPath(service, _options.RepositoryRoot);
        var projectDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(dll))))!;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution first (dotnet build OmniChat.sln).", dll);
        }

        // The environment comes from the model the publishers use too (ApplicationModel), resolved to this run's values.
        var shape = new ApplicationShape(_options.Services, [.. ApplicationModel.Services.Select(s => s.Name)],
            Development: _options.Environment == "Development");
        var environment = new Dictionary<string, string?>();
        // What any service may be given never reaches another through the AppHost's own environment (an external
        // server's connection string, a secret exported in the shell): unset first, then set what this one gets.
        foreach (var name in EveryLocalSettingName)
        {
            environment[name] = null;
        }
        foreach (var setting in ApplicationModel.SettingsFor(service, shape).Where(s => s.Targets.HasFlag(Targets.Local)))
        {
            environment[setting.Name] = LocalValue(setting, port);
        }
        foreach (var (key, value) in _options.ServiceEnvironment)
        {
            environment[key] = value;
        }

        return new ProcessSpec(instance, DotnetHost(), [dll], projectDirectory, Path.Combine(_options.DataDirectory, "run", instance + ".pid"), dll)
        {
            Environment = environment,
            Ports = [new PortClaim(port, instance, AppHostOptions.PortSetting(service))],
        };
    }

    private static readonly Lazy<string[]> EveryLocalSettingNameLazy = new(() =>
    {
        var names = ApplicationModel.Services.Select(s => s.Name).ToArray();
        var everything = new ApplicationShape(names, names, Development: true);
        return [.. names.SelectMany(s => ApplicationModel.SettingsFor(s, everything))
            .Where(s => s.Targets.HasFlag(Targets.Local) && !s.Name.StartsWith("services__", StringComparison.Ordinal))
            .Select(s => s.Name).Distinct()];
    });

    private static string[] EveryLocalSettingName => EveryLocalSettingNameLazy.Value;

    private string? LocalValue(ServiceSetting setting, int port) => setting.Value switch
    {
        FixedValue value => value.Text,
        RunEnvironment => _options.Environment,
        ListenUrl => Url(port),
        ServiceUrl target => Url(target.Service),
        PublicUrl target => target.WebSocket ? "ws" + Url(target.Service)["http".Length..] : Url(target.Service),
        SecretValue => LocalSecret(setting.Name),
        DeploymentSetting value => value.Example,
        TelemetryAttributes =>
            $"service.instance.id={Guid.NewGuid():N},deployment.environment={_options.Environment.ToLowerInvariant()}",
        TelemetryEndpoint => System.Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
        DataFolder folder => Path.Combine(_options.DataDirectory, folder.Folder),
        Unset => null,
        _ => throw new InvalidOperationException($"{setting.Name}: no local value for {setting.Value.GetType().Name}."),
    };

    private string LocalSecret(string name) => name switch
    {
        $"ConnectionStrings__{ResourceNames.Postgres}" => Database.App,
        $"ConnectionStrings__{ResourceNames.PostgresSystem}" => Database.System,
        $"ConnectionStrings__{ResourceNames.PostgresOwner}" => Database.Owner,
        $"ConnectionStrings__{ResourceNames.Redis}" => RedisConnectionString,
        $"ConnectionStrings__{ResourceNames.RabbitMq}" => RabbitMqConnectionString,
        "Security__ServiceToken" => _secrets.ServiceToken,
        "Security__OperatorToken" => _secrets.OperatorToken,
        "Security__ConversationJwtSecret" => _secrets.ConversationJwtSecret,
        "Security__WebhookSigningKey" => _secrets.WebhookSigningKey,
        "DataProtection__KeyEncryptionKey" => _secrets.KeyEncryptionKey,
        "Billing__WebhookSecret" => _secrets.BillingWebhookSecret,
        _ => throw new InvalidOperationException($"The AppHost has no local secret for {name}."),
    };

    /// <summary>
    /// Starts one more instance of <paramref name="service"/> on a free port, sharing everything else (scale-out tests and
    /// benchmarks); it stops with the others unless stopped before.
    /// </summary>
    public Task<ServiceReplica> StartReplicaAsync(string service, CancellationToken cancellationToken = default) =>
        StartReplicaAsync(service, new Dictionary<string, string?>(), cancellationToken);

    /// <summary>
    /// Starts one more instance of <paramref name="service"/> on a free port with <paramref name="environment"/> on top of
    /// the usual settings (another database, other limits, another ASPNETCORE_ENVIRONMENT; a null value removes a setting).
    /// </summary>
    public async Task<ServiceReplica> StartReplicaAsync(string service, IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        int index;
        lock (_servicesLock)
        {
            index = ++_replicas;
        }
        var port = PortSet.FreePort();
        var instance = $"{service}-{index.ToString(CultureInfo.InvariantCulture)}";
        var spec = ServiceSpec(service, instance, port);
        var merged = new Dictionary<string, string?>(spec.Environment);
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }
        spec = spec with { Environment = merged };
        var process = await StartServiceAsync(spec, instance, Url(port), cancellationToken)
            ?? throw new InvalidOperationException($"{instance} failed to start; see {_logs.PathFor(instance)}.");
        return new ServiceReplica(new Uri(Url(port)), process);
    }

    /// <summary>Stops the Redis server this application started and starts it again on the same port (outage tests).</summary>
    public async Task RestartRedisAsync(CancellationToken cancellationToken = default)
    {
        var redis = _redis ?? throw new InvalidOperationException("This application did not start Redis.");
        await redis.StopAsync();
        _redis = await RedisServer.StartAsync(_binaries!, Path.Combine(_options.DataDirectory, "redis"), Path.Combine(_options.DataDirectory, "run"),
            _options.Ports.Redis, _secrets.RedisPassword, _options.Ephemeral, _logs, cancellationToken);
    }

    /// <summary>Stops the RabbitMQ server this application started and starts it again on the same ports (outage tests).</summary>
    public async Task RestartRabbitMqAsync(CancellationToken cancellationToken = default)
    {
        var rabbitMq = _rabbitMq ?? throw new InvalidOperationException("This application did not start RabbitMQ.");
        await rabbitMq.StopAsync();
        _rabbitMq = await RabbitMqServer.StartAsync(_binaries!, Path.Combine(_options.DataDirectory, "rabbitmq"), Path.Combine(_options.DataDirectory, "run"),
            _options.Ports.RabbitMq, _options.Ports.RabbitMqDistribution, _options.Ports.RabbitMqEpmd, _secrets.RabbitMqPassword, _logs, cancellationToken);
    }

    private Task<ManagedProcess?> StartServiceAsync(string service, CancellationToken cancellationToken) =>
        StartServiceAsync(ServiceSpec(service), service, Url(service), cancellationToken);

    private async Task<ManagedProcess?> StartServiceAsync(ProcessSpec spec, string service, string url, CancellationToken cancellationToken)
    {
        var process = await ManagedProcess.StartAsync(spec, _logs, cancellationToken);
        lock (_servicesLock)
        {
            _services.Add(process);
        }
        try
        {
            await WaitReadyAsync(service, process, url, cancellationToken);
            return process;
        }
        catch (ResourceFailedException ex)
        {
            ReportFailure(ex.Resource, ex.Message, ex.LogTail);
            return null;
        }
    }

    private async Task WaitReadyAsync(string service, ManagedProcess process, string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = new Uri(new Uri(url), "/ready");
        await Readiness.WaitAsync(service, process, TimeSpan.FromSeconds(180), async ct =>
        {
            using var response = await http.GetAsync(ready, ct);
            response.EnsureSuccessStatusCode();
        }, _logs, cancellationToken);
    }

    private void ReportFailure(string resource, string message, IReadOnlyList<string> tail)
    {
        lock (_logs)
        {
            _logs.Info($"✖ {resource}: {message}", ConsoleColor.Red);
            foreach (var line in tail)
            {
                _logs.Info($"    {line}", ConsoleColor.DarkRed);
            }
            _logs.Info($"    full log: {_logs.PathFor(resource)}", ConsoleColor.Red);
        }
    }

    private string Url(string service) => Url(PortOf(service));

    private static string Url(int port) => $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    private int PortOf(string service) => ApplicationModel.Service(service).LocalPort(_options.Ports);

    /// <summary>The built assembly of <paramref name="service"/> (same configuration as this AppHost).</summary>
    public static string ServiceAssemblyPath(string service, string? repositoryRoot = null)
    {
        var folder = ApplicationModel.Service(service).ProjectFolder;
        return Path.Combine(repositoryRoot ?? BuildInfo.RepositoryRoot, folder, "bin", BuildInfo.Configuration, "net10.0", $"OmniChat.{folder}.dll");
    }

    /// <summary>The <c>dotnet</c> host that runs the services.</summary>
    public static string DotnetHost() =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Gives each seeded tenant a sandbox bot and forum support group and connects them through the Api's own
    /// <c>PUT /v2/channels/telegram</c>, as a tenant would; the result goes into <c>credentials.json</c>.
    /// </summary>
    private async Task ConnectSandboxTelegramAsync(CancellationToken cancellationToken)
    {
        if (!_options.Services.Contains(ResourceNames.Api) || !_options.Services.Contains(ResourceNames.TelegramSandbox))
        {
            return;
        }
        _logs.Info("Connecting a sandbox Telegram bot and support group for each seeded tenant...");
        var connector = new SandboxTelegramConnector(new Uri(Url(ResourceNames.Api)), new Uri(Url(ResourceNames.TelegramSandbox)));
        var tenants = new List<CredentialTenant>();
        foreach (var tenant in Credentials.Tenants)
        {
            var secrets = _secrets.For(tenant.Identifier);
            var telegram = await connector.ConnectAsync(tenant, secrets, cancellationToken);
            tenants.Add(tenant with { Telegram = telegram });
        }
        await _secrets.SaveAsync(SecretsPath, cancellationToken); // bot tokens are kept, so a restart keeps each tenant's bot
        Credentials = Credentials with { Tenants = tenants };
    }

    /// <summary>
    /// Sets up each seeded tenant's website widget through the Api's own <c>PUT /v2/channels/widget</c>; its site key and
    /// identity secret go into <c>credentials.json</c>.
    /// </summary>
    private async Task SetUpWidgetsAsync(CancellationToken cancellationToken)
    {
        if (!_options.Services.Contains(ResourceNames.Api))
        {
            return;
        }
        var setup = new WidgetSetup(new Uri(Url(ResourceNames.Api)));
        var tenants = new List<CredentialTenant>();
        foreach (var tenant in Credentials.Tenants)
        {
            var widget = await setup.ConfigureAsync(tenant, _secrets.For(tenant.Identifier), cancellationToken);
            tenants.Add(tenant with { SiteKey = widget.SiteKey, IdentitySecret = widget.IdentitySecret });
        }
        await _secrets.SaveAsync(SecretsPath, cancellationToken);
        Credentials = Credentials with { Tenants = tenants };
    }

    private async Task WriteCredentialsAsync(CancellationToken cancellationToken) =>
        await PrivateFile.WriteJsonAsync(CredentialsPath, Credentials, CredentialsJson.Default.Credentials, cancellationToken);

    /// <summary>Completes when a child process exits without being asked to; returns it.</summary>
    public async Task<ManagedProcess> WaitForUnexpectedExitAsync(IReadOnlyCollection<ManagedProcess> watched, CancellationToken cancellationToken)
    {
        var exits = watched.ToDictionary(p => (Task)p.Exited, p => p);
        var finished = await Task.WhenAny(exits.Keys).WaitAsync(cancellationToken);
        var process = exits[finished];
        if (!process.IsStopping)
        {
            ReportFailure(process.Name, $"exited unexpectedly with code {process.Exited.Result} (pid {process.Pid}).", _logs.Tail(process.Name, 20));
        }
        return process;
    }

    /// <summary>Stops the services, then the servers; waits until every process of ours is gone.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        // Supervisors first, so that no instance is started again while everything stops; then the balancers.
        await _stopping.CancelAsync();
        Task[] supervisors;
        LocalBalancer[] balancers;
        lock (_servicesLock)
        {
            supervisors = [.. _supervisors];
            balancers = [.. _balancers];
        }
        await Task.WhenAll(supervisors);
        foreach (var balancer in balancers)
        {
            await balancer.DisposeAsync();
        }
        ManagedProcess[] services;
        lock (_servicesLock)
        {
            services = [.. _services];
        }
        await Task.WhenAll(services.Select(s => s.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(15))));
        var servers = new List<Task>();
        if (_rabbitMq is not null) servers.Add(_rabbitMq.StopAsync());
        if (_redis is not null) servers.Add(_redis.StopAsync());
        if (_postgres is not null) servers.Add(_postgres.StopAsync());
        await Task.WhenAll(servers);
        if (_postgres is not null)
        {
            // Idle pooled connections in this process point at a server that is gone (matters to a host that restarts it).
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
        _logs.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Prints the resource table: resource, state, URL, pid.</summary>
    public void PrintSummary()
    {
        var rows = new List<(string Resource, string State, string Url, string Pid)>();
        void Add(string name, ManagedProcess? process, string url) =>
            rows.Add((name, process is null ? "external" : process.Exited.IsCompleted ? "exited" : "running", url,
                process?.Pid.ToString(CultureInfo.InvariantCulture) ?? "-"));

        Add("postgres", _postgres?.Process, $"127.0.0.1:{_options.Ports.Postgres}");
        if (_options.StartRedis) Add("redis", _redis?.Process, $"127.0.0.1:{_options.Ports.Redis}");
        if (_options.StartRabbitMq) Add("rabbitmq", _rabbitMq?.Process, $"127.0.0.1:{_options.Ports.RabbitMq}");
        foreach (var service in _options.Services)
        {
            if (InstancesOf(service) is { Count: > 0 } instances)
            {
                if (BalancedServices.Contains(service))
                {
                    rows.Add((service, "balancer", Url(service), System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                }
                foreach (var instance in instances)
                {
                    var current = instance.Process;
                    rows.Add(($"  {instance.Name}", current.Exited.IsCompleted ? "exited" : "ready", instance.Url.ToString().TrimEnd('/'),
                        current.Pid.ToString(CultureInfo.InvariantCulture)));
                }
                continue;
            }
            var process = Processes.FirstOrDefault(p => p.Name == service);
            rows.Add((service, process is null ? "failed" : process.Exited.IsCompleted ? "exited" : "ready", Url(service),
                process?.Pid.ToString(CultureInfo.InvariantCulture) ?? "-"));
        }

        var widths = (rows.Max(r => r.Resource.Length), rows.Max(r => r.State.Length), rows.Max(r => r.Url.Length));
        _logs.Info("");
        _logs.Info($"  {"RESOURCE".PadRight(widths.Item1)}  {"STATE".PadRight(widths.Item2)}  {"URL".PadRight(widths.Item3)}  PID", ConsoleColor.White);
        foreach (var row in rows)
        {
            _logs.Info($"  {row.Resource.PadRight(widths.Item1)}  {row.State.PadRight(widths.Item2)}  {row.Url.PadRight(widths.Item3)}  {row.Pid}",
                row.State is "ready" or "running" or "external" or "balancer" ? ConsoleColor.Green : ConsoleColor.Red);
        }
        _logs.Info("");
        _logs.Info($"  Credentials (service URLs, connection strings, logins, API keys): {CredentialsPath}");
        _logs.Info($"  Operator login: {Credentials.Operator.Email} / {Credentials.Operator.Password}");
        foreach (var tenant in Credentials.Tenants)
        {
            _logs.Info($"  Tenant '{tenant.Identifier}': admin {tenant.Admin.Email} / {tenant.Admin.Password}, API key {tenant.ApiKey}");
        }
        _logs.Info($"  Logs: {_logs.LogDirectory}");
        _logs.Info("  Press Ctrl+C to stop everything.");
        _logs.Info("");
    }

    /// <summary>Serialises <see cref="Credentials"/> as written to disk.</summary>
    public string CredentialsJsonText() => JsonSerializer.Serialize(Credentials, CredentialsJson.Default.Credentials);
}

/// <summary>An extra instance of a service started by <c>DistributedApplication.StartReplicaAsync</c>.</summary>
public sealed class ServiceReplica
{
    private readonly ManagedProcess _process;

    internal ServiceReplica(Uri url, ManagedProcess process)
    {
        Url = url;
        _process = process;
    }

    /// <summary>Its base URL.</summary>
    public Uri Url { get; }

    /// <summary>Its process id.</summary>
    public int ProcessId => _process.Pid;

    /// <summary>Stops it gracefully (SIGTERM, then SIGKILL after 15 s), as an orchestrator scaling down would.</summary>
    public Task StopAsync() => _process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(15));

    /// <summary>Kills it outright (SIGKILL to its process group), as a crash or an OOM kill would.</summary>
    public Task KillAsync() => _process.StopAsync(Posix.SigKill, TimeSpan.FromSeconds(5));
}
