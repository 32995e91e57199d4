using System.Globalization;
using System.Reflection;
using k8s;
using k8s.Models;
using OmniChat.AppHost.Model;
using OmniChat.Core;

namespace OmniChat.AppHost.Publishing;

/// <summary>One file of the published output: Kubernetes objects, or text (README, the secrets template).</summary>
public sealed record ManifestFile(string Path, IReadOnlyList<IKubernetesObject> Objects, string? Text = null);

/// <summary>
/// Turns the application model (<see cref="ApplicationModel"/>: the services and the environment each needs, the same the
/// local runner starts processes with) into Kubernetes objects: per service a Deployment, a Service, a PodDisruptionBudget,
/// an autoscaler and an Ingress where they apply; the settings ConfigMap; the migration Job; network policies. Every secret
/// is a reference into the <c>omnichat-secrets</c> Secret, which the operator creates from an env file.
/// </summary>
public sealed class KubernetesManifests(PublishOptions options)
{
    public const string SecretName = "omnichat-secrets";
    public const string SettingsName = "omnichat-settings";
    public const string TlsSecretName = "omnichat-tls";
    public const string PartOf = "omnichat";

    /// <summary>The namespace the Ingress controller runs in (ingress-nginx's default).</summary>
    public const string IngressNamespace = "ingress-nginx";

    /// <summary>The namespace whose scrapers may reach the management port.</summary>
    public const string MonitoringNamespace = "monitoring";

    /// <summary>UID and GID of the <c>app</c> user of Microsoft's .NET images (chiseled ones included).</summary>
    public const long AppUser = 1654;

    private const int HttpPort = 8080;
    private const int ManagementPort = 8081;
    private const int ServicePort = 80;

    // Ports of managed PostgreSQL, Redis (6380: TLS at some providers), RabbitMQ (5671: TLS) and OTLP (gRPC, HTTP).
    private static readonly int[] DataPorts = [5432, 6379, 6380, 5671, 5672];
    private static readonly int[] TelemetryPorts = [4317, 4318];
    private static readonly int[] SmtpPorts = [25, 465, 587];

    // Addresses that are never "the internet": what the public egress rules leave out (cloud metadata included).
    private static readonly string[] PrivateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8"];

    private static readonly string[] OurServices = [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal];

    /// <summary>The services deployed: ours, and the sandbox when asked for.</summary>
    public IReadOnlyList<string> Services { get; } = options.IncludeSandbox ? [ResourceNames.TelegramSandbox, .. OurServices] : OurServices;

    private ApplicationShape Shape => new(Services, Services, Development: false);

    /// <summary>The settings of <paramref name="service"/> a cluster gives it.</summary>
    public IReadOnlyList<ServiceSetting> SettingsFor(string service) =>
        [.. ApplicationModel.SettingsFor(service, Shape).Where(s => s.Targets.HasFlag(Targets.Cluster))];

    /// <summary>Every key of <see cref="SecretName"/> some deployed container or the migration reads.</summary>
    public IReadOnlyList<string> SecretKeys =>
    [
        .. Services.SelectMany(SettingsFor).Concat(ApplicationModel.MigrationSettings)
            .Where(s => s.Value is SecretValue).Select(s => s.Name).Distinct(),
    ];

    /// <summary>The image of <paramref name="service"/>.</summary>
    public string Image(string service) => $"{options.Registry}/omnichat-{service}:{options.Tag}";

    /// <summary>The public host of <paramref name="service"/>, if browsers or Telegram reach it.</summary>
    public string? PublicHost(string service) =>
        ApplicationModel.Service(service).PublicHost is { } label ? $"{label}.{options.Domain}" : null;

    /// <summary>Every file, in the order they are applied.</summary>
    public IReadOnlyList<ManifestFile> Files()
    {
        var files = new List<ManifestFile>
        {
            new("namespace.yaml", [Namespace()]),
            new("settings.yaml", [Settings()]),
            new("migrate/job.yaml", [MigrationJob()]),
        };
        foreach (var service in Services)
        {
            files.Add(new($"{service}.yaml", [.. ServiceObjects(service)]));
        }
        files.Add(new("network-policies.yaml", [.. NetworkPolicies()]));
        return files;
    }

    private V1Namespace Namespace() => Stamp(new V1Namespace
    {
        Metadata = new V1ObjectMeta
        {
            Name = options.Namespace,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/part-of"] = PartOf,
                // Every pod here must meet the restricted Pod Security Standard (non-root, no escalation, no capabilities).
                ["pod-security.kubernetes.io/enforce"] = "restricted",
            },
        },
    });

    /// <summary>The non-secret settings a deployment chooses: environment, public addresses, storage and mail.</summary>
    public V1ConfigMap Settings()
    {
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in Services.SelectMany(SettingsFor).Concat(ApplicationModel.MigrationSettings))
        {
            if (ConfigMapKey(setting) is { } key)
            {
                data[key] = ConfigMapValue(setting);
            }
        }
        return Stamp(new V1ConfigMap
        {
            Metadata = Metadata(SettingsName, component: "settings"),
            Data = data,
        });
    }

    private static string? ConfigMapKey(ServiceSetting setting) => setting.Value switch
    {
        RunEnvironment => "ASPNETCORE_ENVIRONMENT",
        PublicUrl url => $"public-url.{url.Service}" + (url.WebSocket ? ".websocket" : ""),
        DeploymentSetting => setting.Name,
        TelemetryEndpoint => setting.Name,
        _ => null,
    };

    private string ConfigMapValue(ServiceSetting setting) => setting.Value switch
    {
        RunEnvironment => "Production",
        PublicUrl url => $"{(url.WebSocket ? "wss" : "https")}://{PublicHost(url.Service) ?? throw new InvalidOperationException($"{url.Service} has no public host.")}",
        DeploymentSetting value => value.Example,
        TelemetryEndpoint => "", // empty: no export (ServiceDefaults export OTLP only when it is set)
        _ => throw new InvalidOperationException($"{setting.Name} is not a ConfigMap setting."),
    };

    /// <summary>The environment of a container of <paramref name="service"/>: values, ConfigMap and Secret references.</summary>
    public IList<V1EnvVar> Environment(string service)
    {
        var variables = new List<V1EnvVar>
        {
            // First: OTEL_RESOURCE_ATTRIBUTES refers to it as $(POD_NAME).
            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
        };
        foreach (var setting in SettingsFor(service))
        {
            variables.Add(EnvVar(setting));
        }
        return variables;
    }

    private static V1EnvVar EnvVar(ServiceSetting setting)
    {
        if (ConfigMapKey(setting) is { } key)
        {
            return new V1EnvVar { Name = setting.Name, ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Key = key, Name = SettingsName } } };
        }
        return setting.Value switch
        {
            SecretValue => new V1EnvVar { Name = setting.Name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = setting.Name, Name = SecretName } } },
            FixedValue value => Literal(setting.Name, value.Text),
            ListenUrl => Literal(setting.Name, $"http://+:{HttpPort.ToString(CultureInfo.InvariantCulture)}"),
            // The Service listens on port 80, so in-cluster addresses are exactly Aspire's http://<name>.
            ServiceUrl target => Literal(setting.Name, $"http://{target.Service}"),
            TelemetryAttributes => Literal(setting.Name, "service.instance.id=$(POD_NAME),deployment.environment=production"),
            _ => throw new InvalidOperationException($"{setting.Name}: no cluster form for {setting.Value.GetType().Name}."),
        };
    }

    private IEnumerable<IKubernetesObject> ServiceObjects(string service)
    {
        var profile = ClusterProfiles.For(service);
        yield return Deployment(service, profile);
        yield return Stamp(new V1Service
        {
            Metadata = Metadata(service),
            Spec = new V1ServiceSpec
            {
                Selector = Selector(service),
                Ports =
                [
                    new V1ServicePort { Name = "http", Port = ServicePort, TargetPort = "http", Protocol = "TCP" },
                    new V1ServicePort { Name = "management", Port = ManagementPort, TargetPort = "management", Protocol = "TCP" },
                ],
            },
        });
        if (profile.Replicas > 1)
        {
            // One instance may be evicted at a time (node drains, upgrades); never all of them.
            yield return Stamp(new V1PodDisruptionBudget
            {
                Metadata = Metadata(service),
                Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = MatchLabels(Selector(service)) },
            });
        }
        if (profile.MaxReplicas is { } max)
        {
            yield return Autoscaler(service, profile, max);
        }
        if (PublicHost(service) is { } host)
        {
            yield return Ingress(service, host);
        }
    }

    private V1Deployment Deployment(string service, ClusterProfile profile)
    {
        var container = Container(service, Image(service), profile.Resources);
        container.Ports =
        [
            new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" },
            new V1ContainerPort { Name = "management", ContainerPort = ManagementPort, Protocol = "TCP" },
        ];
        container.Env = Environment(service);
        // Probes on the management port (ADR 0021): it answers /health and /ready only, and the Ingress never routes to it.
        container.StartupProbe = Probe("/health", periodSeconds: 2, failureThreshold: 60);
        container.LivenessProbe = Probe("/health", periodSeconds: 10, failureThreshold: 3);
        // /ready: PostgreSQL, Redis and RabbitMQ reachable and every migration of this build applied, so a new version's
        // pods take no traffic before the migration Job has run (and a rollout waits for them).
        container.ReadinessProbe = Probe("/ready", periodSeconds: 5, failureThreshold: 2);
        if (profile.PreStopSeconds > 0)
        {
            // The image has no shell: the kubelet's own sleep (Kubernetes 1.30+), not `sleep` in the container.
            container.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = profile.PreStopSeconds } } };
        }

        var pod = PodSpec(container);
        pod.TerminationGracePeriodSeconds = profile.TerminationGracePeriodSeconds;
        pod.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = 1,
                TopologyKey = "kubernetes.io/hostname",
                WhenUnsatisfiable = "ScheduleAnyway",
                LabelSelector = MatchLabels(Selector(service)),
            },
        ];

        var metadata = Metadata(service);
        metadata.Annotations = new Dictionary<string, string>
        {
            ["omnichat.io/sizing"] = profile.Resources.Basis,
            ["omnichat.io/drain"] = $"{profile.Drain} Grace {profile.TerminationGracePeriodSeconds.ToString(CultureInfo.InvariantCulture)} s = " +
                $"pre-stop {profile.PreStopSeconds.ToString(CultureInfo.InvariantCulture)} s + drain {profile.DrainSeconds.ToString(CultureInfo.InvariantCulture)} s + 5 s.",
        };
        return Stamp(new V1Deployment
        {
            Metadata = metadata,
            Spec = new V1DeploymentSpec
            {
                Replicas = profile.MaxReplicas is null ? profile.Replicas : null, // the autoscaler owns the count where there is one
                RevisionHistoryLimit = 5,
                Selector = MatchLabels(Selector(service)),
                // A new pod is ready before an old one goes: capacity never drops during a rollout.
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 1, MaxUnavailable = 0 },
                },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels(service, "service") }, Spec = pod },
            },
        });
    }

    /// <summary>The migration Job (ADR 0035): the Workers image's <c>migrate</c> command, applied and waited for before the rest.</summary>
    public V1Job MigrationJob()
    {
        var container = Container("migrate", Image(ResourceNames.Workers), ClusterProfiles.Migration);
        container.Args = ["migrate"];
        container.Env =
        [
            .. ApplicationModel.MigrationSettings.Select(s => s.Value is SecretValue
                ? new V1EnvVar
                {
                    Name = s.Name,
                    ValueFrom = new V1EnvVarSource
                    {
                        // The administrative login is optional: without it the roles and the database must exist already.
                        SecretKeyRef = new V1SecretKeySelector
                        {
                            Key = s.Name,
                            Name = SecretName,
                            Optional = s.Name == "ConnectionStrings__postgresAdmin" ? true : null,
                        },
                    },
                }
                : EnvVar(s)),
        ];
        var pod = PodSpec(container);
        pod.RestartPolicy = "Never";
        return Stamp(new V1Job
        {
            // One Job per version: a Job's pod template cannot change, and its name says which version migrated.
            Metadata = Metadata($"migrate-{options.Tag.ToLowerInvariant().Replace('.', '-').Replace('_', '-')}", component: "migration"),
            Spec = new V1JobSpec
            {
                BackoffLimit = 3,
                ActiveDeadlineSeconds = 900,
                TtlSecondsAfterFinished = 7 * 24 * 3600,
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels("migrate", "migration") }, Spec = pod },
            },
        });
    }

    private static V1Container Container(string name, string image, ContainerResources resources) => new()
    {
        Name = name,
        Image = image,
        ImagePullPolicy = "IfNotPresent",
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(resources.CpuRequest), ["memory"] = new(resources.MemoryRequest) },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(resources.CpuLimit), ["memory"] = new(resources.MemoryLimit) },
        },
        SecurityContext = new V1SecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = AppUser,
            RunAsGroup = AppUser,
            AllowPrivilegeEscalation = false,
            ReadOnlyRootFilesystem = true,
            Privileged = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        // The root file system is read-only: temporary files (large request bodies, the runtime's diagnostics socket) go here.
        VolumeMounts = [new V1VolumeMount { MountPath = "/tmp", Name = "tmp" }],
    };

    private static V1PodSpec PodSpec(V1Container container) => new()
    {
        Containers = [container],
        // Nothing here calls the Kubernetes API.
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = AppUser,
            RunAsGroup = AppUser,
            FsGroup = AppUser,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } }],
    };

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Port = "management", Path = path, Scheme = "HTTP" },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 3,
    };

    private V2HorizontalPodAutoscaler Autoscaler(string service, ClusterProfile profile, int max)
    {
        var metrics = new List<V2MetricSpec> { Utilization("cpu", 70) };
        if (service == ResourceNames.Realtime)
        {
            // Idle sockets cost memory, not CPU (10 KB each): an instance full of quiet sockets must scale too.
            metrics.Add(Utilization("memory", 75));
        }
        return Stamp(new V2HorizontalPodAutoscaler
        {
            Metadata = Metadata(service),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = service },
                MinReplicas = profile.Replicas,
                MaxReplicas = max,
                Metrics = metrics,
                Behavior = new V2HorizontalPodAutoscalerBehavior
                {
                    // Scaling the hub in moves its sockets (1012, reconnect, resume): do it slowly.
                    ScaleDown = new V2HPAScalingRules
                    {
                        StabilizationWindowSeconds = 300,
                        Policies = [new V2HPAScalingPolicy { Type = "Pods", Value = 1, PeriodSeconds = 60 }],
                    },
                },
            },
        });
    }

    private static V2MetricSpec Utilization(string resource, int percent) => new()
    {
        Type = "Resource",
        Resource = new V2ResourceMetricSource { Name = resource, Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = percent } },
    };

    private V1Ingress Ingress(string service, string host)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (service)
        {
            case ResourceNames.Realtime:
                // WebSockets live for hours; nginx's 60 s default would cut quiet ones. Any instance can take a
                // reconnecting client (resume by seq), so there is no session affinity.
                annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "3600";
                annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] = "3600";
                break;
            case ResourceNames.Api:
                // SSE (/v2/events) streams stay open and must not be buffered; attachments go up to 100 MiB.
                annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "3600";
                annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] = "3600";
                annotations["nginx.ingress.kubernetes.io/proxy-buffering"] = "off";
                annotations["nginx.ingress.kubernetes.io/proxy-body-size"] = "100m";
                break;
            case ResourceNames.AdminPortal:
                // Blazor Server keeps a circuit in one instance's memory: a tab's reconnects must come back to it.
                annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "3600";
                annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] = "3600";
                annotations["nginx.ingress.kubernetes.io/affinity"] = "cookie";
                annotations["nginx.ingress.kubernetes.io/session-cookie-name"] = "omnichat-portal-affinity";
                annotations["nginx.ingress.kubernetes.io/session-cookie-secure"] = "true";
                break;
        }
        var metadata = Metadata(service);
        metadata.Annotations = annotations;
        return Stamp(new V1Ingress
        {
            Metadata = metadata,
            Spec = new V1IngressSpec
            {
                IngressClassName = "nginx",
                Tls = [new V1IngressTLS { Hosts = [host], SecretName = TlsSecretName }],
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = host,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths =
                            [
                                new V1HTTPIngressPath
                                {
                                    Path = "/",
                                    PathType = "Prefix",
                                    Backend = new V1IngressBackend
                                    {
                                        Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Name = "http" } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        });
    }

    /// <summary>Default deny, then what each workload needs: DNS, its servers, the Ingress controller in, the internet where it must.</summary>
    public IEnumerable<V1NetworkPolicy> NetworkPolicies()
    {
        yield return Policy("default-deny", new V1LabelSelector(), ingress: [], egress: []);
        yield return Policy("allow-dns", new V1LabelSelector(), ingress: null, egress:
        [
            Egress([Port(53, "UDP"), Port(53, "TCP")], new V1NetworkPolicyPeer
            {
                NamespaceSelector = NamespaceSelector("kube-system"),
                PodSelector = MatchLabels(new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }),
            }),
        ]);

        foreach (var service in Services)
        {
            var ingress = new List<V1NetworkPolicyIngressRule>
            {
                // Scrapers reach the management port (ADR 0021); kubelet probes are not subject to network policies.
                Ingress([Port(ManagementPort)], new V1NetworkPolicyPeer { NamespaceSelector = NamespaceSelector(MonitoringNamespace) }),
            };
            if (PublicHost(service) is not null)
            {
                ingress.Add(Ingress([Port(HttpPort)], new V1NetworkPolicyPeer { NamespaceSelector = NamespaceSelector(IngressNamespace) }));
            }
            var callers = Services.Where(caller => Calls(caller, service)).ToArray();
            if (callers.Length > 0)
            {
                ingress.Add(Ingress([Port(HttpPort)], [.. callers.Select(PodsOf)]));
            }
            yield return Policy(service, MatchLabels(Selector(service)), ingress, [.. EgressOf(service)]);
        }

        yield return Policy("migrate", MatchLabels(Selector("migrate")), ingress: [], egress: [Egress([Port(5432)], Anywhere())]);
    }

    // Who calls whom in the cluster: the operator console probes every service's /ready (ServiceProbes); with the sandbox,
    // our services call its Bot API.
    private static bool Calls(string caller, string callee) =>
        (caller == ResourceNames.AdminPortal && callee is ResourceNames.Api or ResourceNames.Realtime or ResourceNames.Workers or ResourceNames.TelegramSandbox)
        || (callee == ResourceNames.TelegramSandbox && caller is ResourceNames.Api or ResourceNames.Workers);

    private IEnumerable<V1NetworkPolicyEgressRule> EgressOf(string service)
    {
        if (ApplicationModel.Service(service).IsOurs)
        {
            // Managed servers live outside the cluster at addresses unknown here: by port. Narrow `to` to their
            // addresses when you know them.
            yield return Egress([.. DataPorts.Concat(TelemetryPorts).Select(p => Port(p))], Anywhere());
        }
        var callees = Services.Where(callee => Calls(service, callee)).ToArray();
        if (callees.Length > 0)
        {
            yield return Egress([Port(HttpPort)], [.. callees.Select(PodsOf)]);
        }
        switch (service)
        {
            case ResourceNames.Api:
                // Telegram's Bot API (connecting channels, the deep health) and the S3 bucket.
                yield return Egress([Port(443)], Internet());
                break;
            case ResourceNames.Workers:
                // Telegram, S3, and the tenants' webhook receivers, which may listen on any port; never private addresses.
                yield return Egress(null, Internet());
                break;
            case ResourceNames.AdminPortal:
                yield return Egress([Port(443)], Internet());
                yield return Egress([.. SmtpPorts.Select(p => Port(p))], Anywhere());
                break;
            case ResourceNames.TelegramSandbox:
                // It posts updates to the Api's public address (through the Ingress).
                yield return Egress([Port(443)], Anywhere());
                break;
        }
    }

    private V1NetworkPolicy Policy(string name, V1LabelSelector pods, IList<V1NetworkPolicyIngressRule>? ingress, IList<V1NetworkPolicyEgressRule>? egress)
    {
        var types = new List<string>();
        if (ingress is not null)
        {
            types.Add("Ingress");
        }
        if (egress is not null)
        {
            types.Add("Egress");
        }
        return Stamp(new V1NetworkPolicy
        {
            Metadata = Metadata(name, component: "network-policy"),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = pods,
                PolicyTypes = types,
                Ingress = ingress is { Count: > 0 } ? ingress : null,
                Egress = egress is { Count: > 0 } ? egress : null,
            },
        });
    }

    private static V1NetworkPolicyIngressRule Ingress(IList<V1NetworkPolicyPort> ports, params V1NetworkPolicyPeer[] from) =>
        new() { Ports = ports, FromProperty = from };

    private static V1NetworkPolicyEgressRule Egress(IList<V1NetworkPolicyPort>? ports, params V1NetworkPolicyPeer[] to) =>
        new() { Ports = ports, To = to };

    private static V1NetworkPolicyPort Port(int port, string protocol = "TCP") => new() { Port = port, Protocol = protocol };

    private static V1NetworkPolicyPeer PodsOf(string service) => new() { PodSelector = MatchLabels(Selector(service)) };

    private static V1NetworkPolicyPeer Anywhere() => new() { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0" } };

    private static V1NetworkPolicyPeer Internet() => new() { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = PrivateRanges } };

    private static V1LabelSelector NamespaceSelector(string name) =>
        MatchLabels(new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = name });

    private static V1LabelSelector MatchLabels(IDictionary<string, string> labels) => new() { MatchLabels = labels };

    private static V1EnvVar Literal(string name, string value) => new() { Name = name, Value = value };

    private V1ObjectMeta Metadata(string name, string component = "service") => new()
    {
        Name = name,
        NamespaceProperty = options.Namespace,
        Labels = Labels(name, component),
    };

    private Dictionary<string, string> Labels(string name, string component) => new()
    {
        ["app.kubernetes.io/name"] = name,
        ["app.kubernetes.io/part-of"] = PartOf,
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/version"] = options.Tag,
    };

    private static Dictionary<string, string> Selector(string name) => new()
    {
        ["app.kubernetes.io/name"] = name,
        ["app.kubernetes.io/part-of"] = PartOf,
    };

    /// <summary>Sets <c>apiVersion</c> and <c>kind</c> from the model type's own Kubernetes attribute.</summary>
    private static T Stamp<T>(T item) where T : IKubernetesObject
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not a Kubernetes entity.");
        item.ApiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
        item.Kind = entity.Kind;
        return item;
    }
}
