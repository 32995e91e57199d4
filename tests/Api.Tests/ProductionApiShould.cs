using System.Globalization;
using System.Net;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Api.Tests;

/// <summary>Two Api replicas started with ASPNETCORE_ENVIRONMENT=Production: one with a management port, one publishing its reference.</summary>
public sealed class ProductionApis(ApiFixture api) : IAsyncLifetime
{
    private ServiceReplica? _withManagementPort;
    private ServiceReplica? _publishingReference;

    public int ManagementPort { get; } = PortSet.FreePort();

    public Uri WithManagementPort => _withManagementPort!.Url;

    public Uri ManagementUrl => new UriBuilder(WithManagementPort) { Port = ManagementPort }.Uri;

    public Uri PublishingReference => _publishingReference!.Url;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var starts = new[]
        {
            api.App.StartReplicaAsync(ResourceNames.Api, Production(("Management__Port", ManagementPort.ToString(CultureInfo.InvariantCulture))), ct),
            api.App.StartReplicaAsync(ResourceNames.Api, Production(("Api__PublishApiReference", "true")), ct),
        };
        var started = await Task.WhenAll(starts);
        (_withManagementPort, _publishingReference) = (started[0], started[1]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in new[] { _withManagementPort, _publishingReference })
        {
            if (replica is not null)
            {
                await replica.StopAsync();
            }
        }
    }

    private static Dictionary<string, string?> Production((string Key, string Value) setting) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        [setting.Key] = setting.Value,
    };
}

public sealed class ProductionApiShould(ProductionApis production, ApiFixture api) : IClassFixture<ProductionApis>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServeMetricsOnTheManagementPortOnly()
    {
        using var client = new HttpClient();

        using var publicMetrics = await client.GetAsync(new Uri(production.WithManagementPort, "/metrics"), Ct);
        using var managementMetrics = await client.GetAsync(new Uri(production.ManagementUrl, "/metrics"), Ct);
        using var managementReady = await client.GetAsync(new Uri(production.ManagementUrl, "/ready"), Ct);
        using var managementApi = await client.GetAsync(new Uri(production.ManagementUrl, "/v2/tenant"), Ct);
        using var publicApi = await client.GetAsync(new Uri(production.WithManagementPort, "/health"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, publicMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, managementMetrics.StatusCode);
        Assert.Contains("target_info", await managementMetrics.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, managementReady.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, managementApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publicApi.StatusCode);
    }

    [Fact]
    public async Task KeepTheApiReferenceOffUnlessPublished()
    {
        using var client = new HttpClient();

        using var document = await client.GetAsync(new Uri(production.WithManagementPort, "/openapi/v1.json"), Ct);
        using var reference = await client.GetAsync(new Uri(production.WithManagementPort, "/docs"), Ct);
        using var publishedDocument = await client.GetAsync(new Uri(production.PublishingReference, "/openapi/v1.json"), Ct);
        using var publishedReference = await client.GetAsync(new Uri(production.PublishingReference, "/docs"), Ct);
        using var developmentDocument = await client.GetAsync(new Uri(api.App.ServiceUrls[ResourceNames.Api], "/openapi/v1.json"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, document.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, reference.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publishedDocument.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publishedReference.StatusCode);
        Assert.Equal(HttpStatusCode.OK, developmentDocument.StatusCode);
    }

    [Fact]
    public async Task ServeNoMetricsWithoutAManagementPort()
    {
        using var client = new HttpClient();

        using var metrics = await client.GetAsync(new Uri(production.PublishingReference, "/metrics"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }
}
