using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s.Models;
using OmniChat.AppHost.Hosting;
using OmniChat.AppHost.Model;
using OmniChat.AppHost.Publishing;
using OmniChat.Core;

namespace OmniChat.Deploy.Tests;

/// <summary>The Kubernetes deployment the AppHost publishes: complete, locked down, and the same as what is committed.</summary>
public sealed partial class KubernetesManifestsShould
{
    private static readonly string[] OurServices = [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal];

    private static readonly string[] Resources = ["cpu", "memory"];
    private static readonly string[] BothDirections = ["Ingress", "Egress"];
    private static readonly string[] SourceFolders = ["Core", "ServiceDefaults", "Api", "Realtime", "Workers", "AdminPortal"];

    public static TheoryData<bool> SandboxOrNot => [false, true];

    [Fact]
    public async Task MatchTheCommittedDeployFolder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var output = new TemporaryFolder();

        // The documented command, through the AppHost's own entry point.
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { AppHostAssembly, "publish", "--target", "kubernetes", "--out", output.Path })
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        Assert.True(process.ExitCode == 0, await stderr);

        var committed = Path.Combine(Repository.Root, "deploy", "k8s");
        var fresh = FilesUnder(output.Path);
        var stale = FilesUnder(committed).Where(f => f != "secrets.env").ToList();
        Assert.Equal(fresh, stale);
        foreach (var file in fresh)
        {
            Assert.True(
                File.ReadAllText(Path.Combine(output.Path, file)) == File.ReadAllText(Path.Combine(committed, file)),
                $"deploy/k8s/{file} differs from a fresh `dotnet run --project AppHost -- publish --target kubernetes --out deploy/k8s`: regenerate and commit it.");
        }
    }

    [Theory]
    [MemberData(nameof(SandboxOrNot))]
    public void LoadAsTypedObjectsOfEveryKindEachServiceNeeds(bool includeSandbox)
    {
        var deployment = GeneratedDeployment.Render(includeSandbox);
        var services = includeSandbox ? [.. OurServices, ResourceNames.TelegramSandbox] : OurServices;

        Assert.Equal(services.Order(), deployment.OfType<V1Deployment>().Select(d => d.Metadata.Name).Order());
        Assert.Equal(services.Order(), deployment.OfType<V1Service>().Select(d => d.Metadata.Name).Order());
        Assert.Equal(OurServices.Order(), deployment.OfType<V1PodDisruptionBudget>().Select(d => d.Metadata.Name).Order());
        Assert.Equal([ResourceNames.Api, ResourceNames.Realtime], deployment.OfType<V2HorizontalPodAutoscaler>().Select(d => d.Metadata.Name).Order());
        string[] publicServices = includeSandbox
            ? [ResourceNames.AdminPortal, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.TelegramSandbox]
            : [ResourceNames.AdminPortal, ResourceNames.Api, ResourceNames.Realtime];
        Assert.Equal(publicServices, deployment.OfType<V1Ingress>().Select(d => d.Metadata.Name).Order());
        var job = Assert.Single(deployment.OfType<V1Job>());
        Assert.Equal(["migrate"], job.Spec.Template.Spec.Containers.Single().Args);
        Assert.Single(deployment.OfType<V1ConfigMap>());
        Assert.Single(deployment.OfType<V1Namespace>());
        Assert.Contains(deployment.OfType<V1NetworkPolicy>(), p => p.Metadata.Name == "default-deny");
        // Secrets are created by the operator from secrets.env; the manifests never carry one.
        Assert.Empty(deployment.OfType<V1Secret>());
        Assert.All(deployment.Objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace),
            o => Assert.Equal("omnichat", o.Metadata.NamespaceProperty));
    }

    [Theory]
    [MemberData(nameof(SandboxOrNot))]
    public void GiveEveryContainerProbesResourcesAndARestrictedSecurityContext(bool includeSandbox)
    {
        var deployment = GeneratedDeployment.Render(includeSandbox);

        Assert.All(deployment.Containers(), item =>
        {
            var (workload, pod, container) = item;
            var security = container.SecurityContext;
            Assert.True(security.RunAsNonRoot == true, $"{workload}: runAsNonRoot");
            Assert.True(security.ReadOnlyRootFilesystem == true, $"{workload}: readOnlyRootFilesystem");
            Assert.True(security.AllowPrivilegeEscalation == false, $"{workload}: allowPrivilegeEscalation");
            Assert.Equal(["ALL"], security.Capabilities.Drop);
            Assert.Null(security.Capabilities.Add);
            Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            Assert.True(pod.AutomountServiceAccountToken == false, $"{workload}: no service account token");
            // With a read-only root, /tmp is an emptyDir.
            var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
            Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
            foreach (var resource in Resources)
            {
                Assert.True(container.Resources.Requests.ContainsKey(resource), $"{workload}: {resource} request");
                Assert.True(container.Resources.Limits.ContainsKey(resource), $"{workload}: {resource} limit");
                Assert.True(container.Resources.Requests[resource].ToDecimal() <= container.Resources.Limits[resource].ToDecimal(),
                    $"{workload}: {resource} request above its limit");
            }
        });
        Assert.All(deployment.OfType<V1Deployment>(), d =>
        {
            var container = d.Spec.Template.Spec.Containers.Single();
            // Probes on the management port, which serves /health and /ready (ADR 0021), and sets it.
            Assert.Equal("/health", container.LivenessProbe.HttpGet.Path);
            Assert.Equal("/ready", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("management", container.LivenessProbe.HttpGet.Port.Value);
            Assert.Equal("management", container.ReadinessProbe.HttpGet.Port.Value);
            Assert.Equal(KubernetesPorts.Management,
                container.Ports.Single(p => p.Name == "management").ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(KubernetesPorts.Management, container.Env.Single(e => e.Name == "Management__Port").Value);
            // The grace period covers the pre-stop pause and the host's whole shutdown timeout.
            var preStop = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
            Assert.True(d.Spec.Template.Spec.TerminationGracePeriodSeconds >= preStop + ClusterProfiles.HostShutdownSeconds,
                $"{d.Metadata.Name}: grace {d.Spec.Template.Spec.TerminationGracePeriodSeconds} s < pre-stop {preStop} s + {ClusterProfiles.HostShutdownSeconds} s");
        });
    }

    [Theory]
    [MemberData(nameof(SandboxOrNot))]
    public void ReferenceEverySecretAndInlineNone(bool includeSandbox)
    {
        var deployment = GeneratedDeployment.Render(includeSandbox);
        var secretKeys = deployment.SecretKeys;
        Assert.Contains("Security__ConversationJwtSecret", secretKeys);

        Assert.All(deployment.Containers().SelectMany(c => c.Container.Env.Select(e => (c.Workload, Env: e))), item =>
        {
            var (workload, env) = item;
            var looksSecret = secretKeys.Contains(env.Name) || SecretName().IsMatch(env.Name);
            if (looksSecret)
            {
                Assert.True(env.Value is null, $"{workload}: {env.Name} has an inline value");
                Assert.Equal(KubernetesManifests.SecretName, env.ValueFrom?.SecretKeyRef?.Name);
                Assert.Equal(env.Name, env.ValueFrom!.SecretKeyRef.Key);
            }
            if (env.ValueFrom?.SecretKeyRef is { } reference)
            {
                Assert.Contains(reference.Key, secretKeys); // the template lists every key read
            }
        });
        Assert.DoesNotContain(deployment.Settings.Data.Keys, key => secretKeys.Contains(key) || SecretName().IsMatch(key));

        // Neither a freshly generated AppHost secret set nor the values of a filled template appear anywhere.
        var fresh = new Secrets();
        string[] values =
        [
            fresh.ServiceToken, fresh.OperatorToken, fresh.ConversationJwtSecret, fresh.WebhookSigningKey, fresh.KeyEncryptionKey,
            fresh.BillingWebhookSecret, fresh.PostgresAppPassword, fresh.PostgresOwnerPassword, fresh.PostgresSystemPassword,
            fresh.RedisPassword, fresh.RabbitMqPassword,
        ];
        Assert.All(deployment.Files, file => Assert.All(values, value => Assert.DoesNotContain(value, file.Value, StringComparison.Ordinal)));
        Assert.All(deployment.Files["secrets.env.example"].Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')),
            line => Assert.EndsWith("=", line, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SandboxOrNot))]
    public void SetEverySettingOfTheModelFromItsSource(bool includeSandbox)
    {
        var deployment = GeneratedDeployment.Render(includeSandbox);
        var manifests = new KubernetesManifests(deployment.Options);

        foreach (var service in manifests.Services)
        {
            var env = deployment.Deployment(service).Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name);
            foreach (var setting in manifests.SettingsFor(service))
            {
                Assert.True(env.TryGetValue(setting.Name, out var variable), $"{service}: {setting.Name} is not set");
                switch (setting.Value)
                {
                    case SecretValue:
                        Assert.NotNull(variable.ValueFrom?.SecretKeyRef);
                        break;
                    case PublicUrl or DeploymentSetting or RunEnvironment or TelemetryEndpoint:
                        var key = Assert.IsType<V1ConfigMapKeySelector>(variable.ValueFrom?.ConfigMapKeyRef);
                        Assert.True(deployment.Settings.Data.ContainsKey(key.Key), $"{service}: {setting.Name} refers to a missing ConfigMap key {key.Key}");
                        break;
                    default:
                        Assert.False(string.IsNullOrEmpty(variable.Value), $"{service}: {setting.Name} has no value");
                        break;
                }
            }
        }
        Assert.Equal("Production", deployment.Settings.Data["ASPNETCORE_ENVIRONMENT"]);
    }

    /// <summary>
    /// Every setting a service refuses to start without (its options validation says "missing required setting X") is
    /// given to at least one deployed container; StartupShould checks each service starts with exactly its own.
    /// </summary>
    [Fact]
    public void SetEverySettingTheServicesRequireAtStart()
    {
        var deployment = GeneratedDeployment.Render(includeSandbox: false);
        var set = deployment.OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers.Single().Env).Select(e => e.Name).ToHashSet();
        var sources = SourceFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in sources)
        {
            foreach (Match message in RequiredSettingMessage().Matches(File.ReadAllText(path)))
            {
                // The Aspire-style name in the message; an interpolated connection-string name stands for each one used.
                foreach (Match name in AspireName().Matches(message.Value))
                {
                    required.Add(name.Value);
                }
            }
        }
        foreach (var name in new[] { ResourceNames.Postgres, ResourceNames.PostgresSystem, ResourceNames.Redis, ResourceNames.RabbitMq })
        {
            required.Add($"ConnectionStrings__{name}");
        }
        required.RemoveWhere(name => name.Contains('{', StringComparison.Ordinal));

        Assert.Contains("Smtp__Host", required);
        Assert.Contains("Security__OperatorToken", required);
        Assert.All(required, name => Assert.True(set.Contains(name), $"{name} is required at start but no Deployment sets it"));
    }

    [Fact]
    public void LetOnlyWhatMustTalkThroughNetworkPolicies()
    {
        var deployment = GeneratedDeployment.Render(includeSandbox: false);
        var policies = deployment.OfType<V1NetworkPolicy>().ToDictionary(p => p.Metadata.Name);

        var deny = policies["default-deny"].Spec;
        Assert.Empty(deny.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(BothDirections, deny.PolicyTypes);
        Assert.Null(deny.Ingress);
        Assert.Null(deny.Egress);

        bool FromIngressController(string service) => policies[service].Spec.Ingress?.Any(rule => rule.FromProperty.Any(peer =>
            peer.NamespaceSelector?.MatchLabels?.TryGetValue("kubernetes.io/metadata.name", out var ns) == true
            && ns == KubernetesManifests.IngressNamespace)) == true;
        Assert.True(FromIngressController(ResourceNames.Api));
        Assert.True(FromIngressController(ResourceNames.Realtime));
        Assert.True(FromIngressController(ResourceNames.AdminPortal));
        Assert.False(FromIngressController(ResourceNames.Workers));

        // Every service reaches its servers; the hub reaches nothing else but DNS.
        Assert.All(OurServices, service => Assert.Contains(policies[service].Spec.Egress,
            rule => rule.Ports?.Any(p => p.Port.Value == "5432") == true));
        Assert.All(policies[ResourceNames.Realtime].Spec.Egress, rule => Assert.NotNull(rule.Ports));
        Assert.All(deployment.OfType<V1NetworkPolicy>().SelectMany(p => p.Spec.Egress ?? []).SelectMany(r => r.To ?? []).Where(peer => peer.IpBlock is not null),
            peer => Assert.Equal("0.0.0.0/0", peer.IpBlock.Cidr));
    }

    [Fact]
    public void PutRealtimeBehindAnIngressWithWebSocketTimeoutsAndNoAffinity()
    {
        var deployment = GeneratedDeployment.Render(includeSandbox: false);
        var ingress = deployment.OfType<V1Ingress>().Single(i => i.Metadata.Name == ResourceNames.Realtime);

        Assert.Equal("3600", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]);
        Assert.Equal("3600", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]);
        Assert.DoesNotContain("nginx.ingress.kubernetes.io/affinity", ingress.Metadata.Annotations.Keys);
        Assert.Equal("wss://realtime.omnichat.example.com", deployment.Settings.Data["public-url.realtime.websocket"]);
    }

    private static string AppHostAssembly => Path.Combine(AppContext.BaseDirectory, "OmniChat.AppHost.dll");

    private static List<string> FilesUnder(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(Secret|Password|Token|AccessKey|SecretKey|KeyEncryptionKey|SigningKey|ConnectionStrings__)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"missing required setting [^""]*")]
    private static partial Regex RequiredSettingMessage();

    [GeneratedRegex(@"[A-Za-z]+__[A-Za-z0-9_{}]+")]
    private static partial Regex AspireName();
}
