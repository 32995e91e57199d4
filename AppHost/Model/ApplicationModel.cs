using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.AppHost.Model;

/// <summary>A service of the distributed application: its resource name, its project folder and its local port.</summary>
/// <param name="Name">The resource name (<see cref="ResourceNames"/>): service discovery, logs, the Kubernetes objects.</param>
/// <param name="ProjectFolder">The project's folder in the repository (and the assembly <c>OmniChat.{ProjectFolder}</c>).</param>
/// <param name="LocalPort">Its port under the local runner.</param>
/// <param name="PublicHost">
/// The first label of its public host name when browsers or Telegram reach it (<c>api</c> → <c>api.example.com</c>); null
/// for a service only the system itself talks to.
/// </param>
public sealed record ServiceResource(string Name, string ProjectFolder, Func<PortSet, int> LocalPort, string? PublicHost)
{
    /// <summary>The sandbox stands in for Telegram: it gets no connection string and no secret of ours.</summary>
    public bool IsOurs => Name != ResourceNames.TelegramSandbox;
}

/// <summary>Which services run together, which the others may address, and whether it is a development run.</summary>
/// <param name="Running">The services started (locally) or deployed (in a cluster).</param>
/// <param name="Addressable">The services every service gets a <c>services__*</c> address for.</param>
/// <param name="Development">A development run (local receivers allowed for webhooks).</param>
public sealed record ApplicationShape(IReadOnlyCollection<string> Running, IReadOnlyCollection<string> Addressable, bool Development);

/// <summary>
/// The one description of OmniChat's services that the local runner (<see cref="DistributedApplication"/>) starts processes
/// from and the publishers (deploy/k8s) write manifests from: the services and the environment each one needs, the way an
/// Aspire AppHost's resource model serves both <c>run</c> and <c>publish</c>.
/// </summary>
public static class ApplicationModel
{
    /// <summary>Every service, in start order (the sandbox first: the others get its URL).</summary>
    public static IReadOnlyList<ServiceResource> Services { get; } =
    [
        new(ResourceNames.TelegramSandbox, "TelegramSandbox", p => p.TelegramSandbox, PublicHost: "telegram-sandbox"),
        new(ResourceNames.Api, "Api", p => p.Api, PublicHost: "api"),
        new(ResourceNames.Realtime, "Realtime", p => p.Realtime, PublicHost: "realtime"),
        new(ResourceNames.Workers, "Workers", p => p.Workers, PublicHost: null),
        new(ResourceNames.AdminPortal, "AdminPortal", p => p.AdminPortal, PublicHost: "portal"),
    ];

    /// <summary>The billing provider configured: a generic Stripe-style signed provider (docs/billing.md).</summary>
    public const string BillingProvider = "generic";

    /// <summary>The service named <paramref name="name"/>.</summary>
    public static ServiceResource Service(string name) =>
        Services.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"Unknown service '{name}'.", nameof(name));

    /// <summary>The environment <paramref name="service"/> starts with in <paramref name="shape"/>, for every target.</summary>
    public static IReadOnlyList<ServiceSetting> SettingsFor(string service, ApplicationShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var resource = Service(service);
        var ours = resource.IsOurs;
        var settings = new List<ServiceSetting>();
        void Add(string name, SettingValue value, bool when = true, Targets targets = Targets.Everywhere)
        {
            if (when)
            {
                settings.Add(new ServiceSetting(name, value, targets));
            }
        }
        bool Is(params string[] services) => services.Contains(service);

        Add("ASPNETCORE_ENVIRONMENT", new RunEnvironment());
        Add("DOTNET_ENVIRONMENT", new RunEnvironment());
        Add("ASPNETCORE_URLS", new ListenUrl());
        // Metrics and probes on a port of their own in a cluster (ADR 0021); locally /metrics stays on the service port.
        Add("Management__Port", new FixedValue(KubernetesPorts.Management), targets: Targets.Cluster);

        Add($"ConnectionStrings__{ResourceNames.Postgres}", new SecretValue(), ours);
        // The RLS-bypassing role only where system work happens.
        Add($"ConnectionStrings__{ResourceNames.PostgresSystem}", new SecretValue(), Is(ResourceNames.Workers, ResourceNames.AdminPortal));
        Add($"ConnectionStrings__{ResourceNames.Redis}", new SecretValue(), ours);
        // The Workers consume and publish; the portal's operator console reads queue depths.
        Add($"ConnectionStrings__{ResourceNames.RabbitMq}", new SecretValue(), ours);

        // Only the Api serves the v1 admin API: no other service gets the service token.
        Add("Security__ServiceToken", new SecretValue(), Is(ResourceNames.Api));
        // The Workers serve the operator endpoints; the Api accepts the operator token on /health/deep.
        Add("Security__OperatorToken", new SecretValue(), Is(ResourceNames.Workers, ResourceNames.Api));
        // The Api receives the billing provider's signed webhooks.
        Add("Billing__Provider", new FixedValue(BillingProvider), Is(ResourceNames.Api));
        Add("Billing__WebhookSecret", new SecretValue(), Is(ResourceNames.Api));
        Add("Security__ConversationJwtSecret", new SecretValue(), ours);
        // The Data Protection key ring (channel secrets; the portal's cookie and Identity tokens) is opened where channels
        // are managed and used; its keys live in PostgreSQL, wrapped by this key (ADR 0023).
        Add("DataProtection__KeyEncryptionKey", new SecretValue(), Is(ResourceNames.Api, ResourceNames.Workers, ResourceNames.AdminPortal));
        // Webhook secrets are derived from this key where webhooks are created (Api, portal) and signed (Workers).
        Add("Security__WebhookSigningKey", new SecretValue(), Is(ResourceNames.Api, ResourceNames.Workers, ResourceNames.AdminPortal));

        // Telegram posts updates to the Api's public address; the portal connects channels too, so it points webhooks at
        // the same address.
        Add("Telegram__PublicBaseUrl", new PublicUrl(ResourceNames.Api), Is(ResourceNames.Api, ResourceNames.AdminPortal));
        // Mailed links (invitations, password resets) point at the portal's own address, never at a request's Host header.
        Add("Portal__PublicUrl", new PublicUrl(ResourceNames.AdminPortal), Is(ResourceNames.AdminPortal));
        // Browsers call the Api at its public address; locally services__api__http__0 is that address already.
        Add("Portal__ApiUrl", new PublicUrl(ResourceNames.Api), Is(ResourceNames.AdminPortal), Targets.Cluster);
        // The widget opens sockets at the hub's public address; locally the Api derives it from services__realtime__http__0.
        Add("Widget__RealtimeUrl", new PublicUrl(ResourceNames.Realtime, WebSocket: true), Is(ResourceNames.Api), Targets.Cluster);
        // Bots talk to the sandbox whenever it runs beside them (Telegram.Bot with a custom base URL).
        Add("Telegram__ApiBaseUrl", new ServiceUrl(ResourceNames.TelegramSandbox), ours && shape.Running.Contains(ResourceNames.TelegramSandbox));

        // Uploaded files: locally on disk with the rest of the AppHost's data; in a cluster in an S3-compatible bucket,
        // since pods have no shared disk (and a read-only root file system). The Workers read them for Telegram.
        var storesFiles = Is(ResourceNames.Api, ResourceNames.Workers);
        Add("Attachments__Path", new DataFolder("attachments"), storesFiles, Targets.Local);
        Add("Attachments__Storage", new FixedValue("s3"), storesFiles, Targets.Cluster);
        Add("Attachments__S3__ServiceUrl", new DeploymentSetting("https://s3.example.com"), storesFiles, Targets.Cluster);
        Add("Attachments__S3__Region", new DeploymentSetting("us-east-1"), storesFiles, Targets.Cluster);
        Add("Attachments__S3__Bucket", new DeploymentSetting("omnichat-attachments"), storesFiles, Targets.Cluster);
        Add("Attachments__S3__AccessKey", new SecretValue(), storesFiles, Targets.Cluster);
        Add("Attachments__S3__SecretKey", new SecretValue(), storesFiles, Targets.Cluster);

        // Outside Development the portal must mail invitations and password resets (locally they are printed to the log).
        var mails = Is(ResourceNames.AdminPortal);
        Add("Smtp__Host", new DeploymentSetting("smtp.example.com"), mails, Targets.Cluster);
        Add("Smtp__Port", new DeploymentSetting("587"), mails, Targets.Cluster);
        Add("Smtp__From", new DeploymentSetting("OmniChat <no-reply@example.com>"), mails, Targets.Cluster);
        Add("Smtp__UserName", new SecretValue(), mails, Targets.Cluster);
        Add("Smtp__Password", new SecretValue(), mails, Targets.Cluster);

        // Behind the ingress controller every request comes from one of its pods: their X-Forwarded-For names the client for
        // the per-IP rate limit and socket caps, believed only from that network (ADR 0036). Locally the AppHost sets its
        // balancer's address when it runs replicas.
        Add("ForwardedHeaders__KnownNetworks__0", new DeploymentSetting("10.0.0.0/8"), Is(ResourceNames.Api, ResourceNames.Realtime), Targets.Cluster);

        // Local receivers (127.0.0.1) are fine while developing; never in production.
        Add("Webhooks__AllowLoopback", new FixedValue("true"), ours && shape.Development);
        Add("OTEL_SERVICE_NAME", new FixedValue(service));
        Add("OTEL_RESOURCE_ATTRIBUTES", new TelemetryAttributes());
        Add("OTEL_EXPORTER_OTLP_ENDPOINT", new TelemetryEndpoint());
        Add("DOTNET_NOLOGO", new FixedValue("1"), targets: Targets.Local);
        Add("DOTNET_CLI_TELEMETRY_OPTOUT", new FixedValue("1"), targets: Targets.Local);
        Add("ASPNETCORE_HTTP_PORTS", new Unset(), targets: Targets.Local);
        Add("ASPNETCORE_HTTPS_PORTS", new Unset(), targets: Targets.Local);
        Add("DOTNET_LAUNCH_PROFILE", new Unset(), targets: Targets.Local);

        foreach (var other in Services.Where(s => shape.Addressable.Contains(s.Name)))
        {
            Add($"services__{other.Name}__http__0", new ServiceUrl(other.Name));
        }
        return settings;
    }

    /// <summary>
    /// The database step's environment (the Workers' <c>migrate</c> command; locally the AppHost runs the same code
    /// in-process): the owner runs migrations; with the optional administrative login it first creates the roles and the
    /// database with the passwords of the role connection strings.
    /// </summary>
    public static IReadOnlyList<ServiceSetting> MigrationSettings { get; } =
    [
        new($"ConnectionStrings__{ResourceNames.PostgresOwner}", new SecretValue()),
        new($"ConnectionStrings__{ResourceNames.Postgres}", new SecretValue()),
        new($"ConnectionStrings__{ResourceNames.PostgresSystem}", new SecretValue()),
        new("ConnectionStrings__postgresAdmin", new SecretValue()),
        // A fresh deployment's first operator login (the seeder makes the local one); its owner sets the password through
        // the portal's "Forgot password". Empty: none is made.
        new("Operator__Email", new DeploymentSetting("operator@example.com"), Targets.Cluster),
    ];
}

/// <summary>The ports every container listens on in a cluster.</summary>
public static class KubernetesPorts
{
    /// <summary>The service's own port.</summary>
    public const string Http = "8080";

    /// <summary>The management port: <c>/health</c>, <c>/ready</c>, <c>/metrics</c> only (ADR 0021).</summary>
    public const string Management = "8081";
}
