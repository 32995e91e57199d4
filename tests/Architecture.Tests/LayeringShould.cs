using System.Reflection;
using System.Xml.Linq;
using OmniChat.Core;

namespace OmniChat.Architecture.Tests;

/// <summary>The layering of SPEC §2: Core is the one shared library, services never reference each other.</summary>
public sealed class LayeringShould
{
    private static readonly string[] Services = ["Api", "Realtime", "Workers", "AdminPortal"];

    private static readonly string RepositoryRoot = typeof(LayeringShould).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OmniChat.RepositoryRoot").Value!;

    public static TheoryData<string> ServiceNames => [.. Services];

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void KeepEachServiceFreeOfReferencesToOtherServices(string service)
    {
        var references = ProjectReferences(service);

        Assert.DoesNotContain(references, r => Services.Contains(r) || r == "AppHost");
        Assert.Equal(["Core", "ServiceDefaults"], references.Order());
    }

    [Fact]
    public void KeepCoreFreeOfAspNetHosting()
    {
        var forbidden = new[] { "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Mvc", "Microsoft.AspNetCore.Components", "Microsoft.AspNetCore.Routing" };

        var referenced = typeof(ResourceNames).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(referenced, name => forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal)));
        Assert.Empty(ProjectReferences("Core"));
        var coreProject = XDocument.Load(Path.Combine(RepositoryRoot, "Core", "Core.csproj"));
        Assert.DoesNotContain(coreProject.Descendants("FrameworkReference"), f => f.Attribute("Include")?.Value == "Microsoft.AspNetCore.App");
    }

    [Fact]
    public void KeepServiceDefaultsIndependentOfTheDomain() =>
        Assert.Empty(ProjectReferences("ServiceDefaults"));

    private static List<string> ProjectReferences(string project)
    {
        var document = XDocument.Load(Path.Combine(RepositoryRoot, project, project + ".csproj"));
        return [.. document.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))];
    }
}
