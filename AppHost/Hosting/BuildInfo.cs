using System.Reflection;

namespace OmniChat.AppHost.Hosting;

/// <summary>Facts the build stamped into the AppHost assembly: where the repository is, which configuration was built.</summary>
internal static class BuildInfo
{
    public static string RepositoryRoot { get; } = Metadata("OmniChat.RepositoryRoot");

    public static string Configuration { get; } = Metadata("OmniChat.Configuration");

    private static string Metadata(string key) =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
