using OmniChat.Core;

namespace OmniChat.AppHost.Publishing;

/// <summary>CPU and memory of one container: what the scheduler reserves and the most it may use.</summary>
public sealed record ContainerResources(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit, string Basis);

/// <summary>How one service runs in a cluster, beyond the environment the application model gives it.</summary>
/// <param name="Service">The resource name.</param>
/// <param name="Replicas">Replicas without an autoscaler, and the autoscaler's minimum.</param>
/// <param name="MaxReplicas">The autoscaler's maximum; null: no autoscaler.</param>
/// <param name="Resources">Requests and limits, with the benchmark figures they come from.</param>
/// <param name="PreStopSeconds">
/// How long a terminating pod keeps serving before SIGTERM, so the Service and the Ingress controller stop sending it new
/// connections first (0 for a service nothing connects to from outside).
/// </param>
/// <param name="DrainSeconds">How long the service needs after SIGTERM (see <see cref="ClusterProfiles"/> for each).</param>
/// <param name="Drain">What happens during the drain, for the manifest's annotation.</param>
public sealed record ClusterProfile(
    string Service,
    int Replicas,
    int? MaxReplicas,
    ContainerResources Resources,
    int PreStopSeconds,
    int DrainSeconds,
    string Drain)
{
    /// <summary>What Kubernetes waits before SIGKILL: the pre-stop pause, the drain, and a few seconds to exit.</summary>
    public int TerminationGracePeriodSeconds => PreStopSeconds + DrainSeconds + 5;
}

/// <summary>
/// Each service's cluster profile. Sizes come from bench/results/latest/report.md (2-core machine, .NET 10): see each
/// <see cref="ContainerResources.Basis"/>. The drains come from the code: no service changes the host's 30 s
/// <c>HostOptions.ShutdownTimeout</c>, which bounds everything that runs after SIGTERM.
/// </summary>
public static class ClusterProfiles
{
    /// <summary>The generic host's default shutdown timeout, which none of the services changes.</summary>
    public const int HostShutdownSeconds = 30;

    /// <summary>Time for endpoint removal to reach kube-proxy and the Ingress controller before the pod stops listening.</summary>
    public const int EndpointRemovalSeconds = 5;

    public static ClusterProfile For(string service) => service switch
    {
        ResourceNames.Api => new(service, Replicas: 2, MaxReplicas: 10,
            new ContainerResources("250m", "256Mi", "1", "512Mi",
                "api-under-load: 2.72 CPU-ms per request at 100 requests/s (0.27 core) with p95 14.6 ms; saturation 609 requests/s at " +
                "1.24 CPU-ms (0.76 core); ingest 848 messages/s at 0.61 CPU-ms (0.52 core). Request = the 100 requests/s load, " +
                "limit = one core (the saturation point). Memory: no figure in the report; 256Mi/512Mi is a starting point."),
            EndpointRemovalSeconds, HostShutdownSeconds,
            "SIGTERM stops Kestrel accepting; requests and SSE streams in progress end within the host's 30 s shutdown timeout."),
        ResourceNames.Realtime => new(service, Replicas: 2, MaxReplicas: 20,
            new ContainerResources("250m", "384Mi", "1", "768Mi",
                "idle-connections: 165 MB at rest + 10.2 KB per socket (18,000 sockets: 336 MB); fanout-efficiency: 49,629 " +
                "deliveries per CPU-second (10,000 deliveries/s = 0.2 core). Request = 20,000 sockets (165 MB + 200 MB) and " +
                "10,000 deliveries/s; limit = 60,000 sockets' memory and one core. The autoscaler scales on memory (sockets) and CPU."),
            EndpointRemovalSeconds, HostShutdownSeconds,
            "ApplicationStopping closes every socket with 1012 after what is queued (SocketRegistry.CloseAll); clients reconnect " +
            "through the Service to another instance and resume by seq, so no sticky sessions are needed."),
        ResourceNames.Workers => new(service, Replicas: 2, MaxReplicas: null,
            new ContainerResources("250m", "256Mi", "1", "512Mi",
                "outbox-drain: 12,113 messages/s at 0.07 CPU-ms (0.85 core) with 2 dispatchers; limit = one core. Memory: no " +
                "figure in the report; 256Mi/512Mi is a starting point. Several replicas share the work through advisory locks " +
                "and leases, so replicas add throughput; scale them by hand (outbox lag and queue depths, docs/observability.md)."),
            PreStopSeconds: 0, HostShutdownSeconds,
            "MassTransit stops consuming (StopTimeout 10 s); the delivery loops finish what is in flight (Telegram requests " +
            "time out at 30 s) within the host's 30 s; a delivery cut off is taken again when its lease lapses."),
        ResourceNames.AdminPortal => new(service, Replicas: 2, MaxReplicas: null,
            new ContainerResources("100m", "256Mi", "500m", "512Mi",
                "No portal figure in the report (the portal-inbox scenario measures latency, not size); Blazor Server keeps a " +
                "circuit per open tab, so memory grows with agents online. 256Mi/512Mi is a starting point."),
            EndpointRemovalSeconds, HostShutdownSeconds,
            "SIGTERM ends circuits; browsers reconnect to another instance (the Ingress keeps a tab on one instance with a cookie while it lives)."),
        ResourceNames.TelegramSandbox => new(service, Replicas: 1, MaxReplicas: null,
            new ContainerResources("50m", "128Mi", "250m", "256Mi", "A demo emulator: keeps everything in memory, one replica."),
            PreStopSeconds: 0, HostShutdownSeconds, "In-memory emulator: its state is lost on restart."),
        _ => throw new ArgumentException($"No cluster profile for '{service}'.", nameof(service)),
    };

    /// <summary>The migration Job: EF Core migrations as the owner role, briefly.</summary>
    public static ContainerResources Migration { get; } = new("100m", "128Mi", "500m", "256Mi", "EF Core migrations: one short process.");
}
