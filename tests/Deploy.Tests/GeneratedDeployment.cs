using System.Reflection;
using k8s;
using k8s.Models;
using OmniChat.AppHost.Publishing;

namespace OmniChat.Deploy.Tests;

/// <summary>The publisher's output for a set of options, as files and as typed Kubernetes objects.</summary>
internal sealed class GeneratedDeployment
{
    private GeneratedDeployment(PublishOptions options, IReadOnlyDictionary<string, string> files)
    {
        Options = options;
        Files = files;
        Objects = [.. files.Where(f => f.Key.EndsWith(".yaml", StringComparison.Ordinal))
            .SelectMany(f => KubernetesYaml.LoadAllFromString(f.Value).Cast<IKubernetesObject>())];
    }

    public PublishOptions Options { get; }

    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>Every object, loaded back from the YAML with KubernetesClient's typed models.</summary>
    public IReadOnlyList<IKubernetesObject> Objects { get; }

    public static GeneratedDeployment Render(bool includeSandbox) =>
        new(new PublishOptions { IncludeSandbox = includeSandbox }, KubernetesPublisher.Render(new PublishOptions { IncludeSandbox = includeSandbox }));

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public V1Deployment Deployment(string service) => OfType<V1Deployment>().Single(d => d.Metadata.Name == service);

    public V1ConfigMap Settings => OfType<V1ConfigMap>().Single(c => c.Metadata.Name == KubernetesManifests.SettingsName);

    /// <summary>Every container of every workload: Deployments and the migration Job.</summary>
    public IEnumerable<(string Workload, V1PodSpec Pod, V1Container Container)> Containers() =>
        OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers.Select(c => (d.Metadata.Name, d.Spec.Template.Spec, c)))
            .Concat(OfType<V1Job>().SelectMany(j => j.Spec.Template.Spec.Containers.Select(c => (j.Metadata.Name, j.Spec.Template.Spec, c))));

    /// <summary>The keys <c>secrets.env.example</c> lists.</summary>
    public IReadOnlySet<string> SecretKeys => Files["secrets.env.example"].Split('\n')
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => line.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);

    /// <summary>Writes the files into a fresh temporary folder (deleted by the returned handle).</summary>
    public TemporaryFolder WriteToTemporaryFolder()
    {
        var folder = new TemporaryFolder();
        foreach (var (relative, text) in Files)
        {
            var path = Path.Combine(folder.Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        return folder;
    }
}

internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("omnichat-deploy-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "OmniChat.RepositoryRoot").Value!;
}
