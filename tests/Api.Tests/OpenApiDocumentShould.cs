using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OmniChat.Api.Conversations;

namespace OmniChat.Api.Tests;

/// <summary>
/// The OpenAPI document describes every route the Api maps: the routes come from the Api's own
/// <see cref="EndpointDataSource"/>, so a new endpoint left out of the document fails here without anyone listing it.
/// </summary>
public sealed partial class OpenApiDocumentShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Routes deliberately not in the document, each with its reason.</summary>
    private static readonly Dictionary<string, string> Excluded = new()
    {
        ["ANY /health"] = "liveness probe for orchestrators (ServiceDefaults), not part of the API",
        ["ANY /ready"] = "readiness probe for orchestrators (ServiceDefaults), not part of the API",
        ["ANY /metrics"] = "Prometheus scraping endpoint (ServiceDefaults), not part of the API",
        ["GET /openapi/{documentName}.json"] = "the document itself",
        ["GET /docs/{documentName}"] = "the Scalar reference UI (HTML) that renders the document",
        ["GET /docs/favicon.svg"] = "an asset of the Scalar reference UI",
        ["GET /docs/scalar.js"] = "an asset of the Scalar reference UI",
        ["GET /docs/scalar.aspnetcore.js"] = "an asset of the Scalar reference UI",
    };

    [Fact]
    public async Task DescribeEveryRouteTheApiMaps()
    {
        // The Api in this process, against the fixture's servers, only to read its routes and its document.
        await using var factory = new WebApplicationFactory<StartConversationRequest>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:postgres", api.App.Database.App);
            web.UseSetting("ConnectionStrings:redis", api.App.RedisConnectionString);
            web.UseSetting("Security:ConversationJwtSecret", api.App.ConversationJwtSecret);
            web.UseSetting("Security:ServiceToken", api.App.Credentials.ServiceToken);
            web.UseSetting("Security:WebhookSigningKey", new string('w', 40));
            web.UseSetting("DataProtection:KeyEncryptionKey", Convert.ToBase64String(new byte[32]));
        });
        var mapped = factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(method => $"{method} {Normalize(e.RoutePattern.RawText ?? "")}"))
            .ToHashSet();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Ct);
        response.EnsureSuccessStatusCode();
        var document = await response.JsonAsync();
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {Normalize(p.Name)}")).ToHashSet();

        var undescribed = mapped.Where(route => !described.Contains(route) && !Excluded.ContainsKey(route)).Order(StringComparer.Ordinal).ToList();

        Assert.True(mapped.Count > 40, $"Only {mapped.Count} routes found: {string.Join(", ", mapped)}");
        Assert.True(undescribed.Count == 0, "Routes missing from /openapi/v1.json: " + string.Join(", ", undescribed));
        // Every exclusion is still a route: a stale entry would hide nothing and mislead.
        var stale = Excluded.Keys.Where(route => !mapped.Contains(route)).ToList();
        Assert.True(stale.Count == 0, "Excluded but not mapped: " + string.Join(", ", stale) + ". Mapped: " + string.Join(", ", mapped.Order(StringComparer.Ordinal)));
    }

    // "v2/conversations/{id:guid}", "/v2/conversations/{id}" and a group's "/v2/conversations/" + "" are the routes of the document.
    private static string Normalize(string template) =>
        "/" + Parameter().Replace(template.Trim('/'), m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex Parameter();
}
