using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OmniChat.Api.Conversations;

namespace OmniChat.Api.Tests;

/// <summary>
/// The OpenAPI document describes every route the Api maps (the routes come from the Api's own
/// <see cref="EndpointDataSource"/>, so a new endpoint left out of the document fails here without anyone listing it),
/// declares a credential and a summary for each, lists every problem code the code throws, has examples that keep their
/// own schemas, and is the document committed in docs/api/openapi-v1.json (which ./test.sh lints and the widget's types
/// are generated from). The traffic itself is checked by the contract handler on every Api test client (ApiFixture).
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
        ["GET /widget.js"] = "the widget's loader script (docs/widget.md), not part of the API",
        ["GET /widget/app.{hash}.js"] = "the widget's content-addressed app bundle",
        ["GET /widget/app.js"] = "the widget's app bundle when the bootstrap failed (it shows why)",
        ["GET /widget/v1.js"] = "the default tenant's v1 widget script",
        ["GET /demo"] = "the demo customer page (HTML) with the widget installed",
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

    [Fact]
    public async Task DeclareACredentialAndASummaryForEveryOperation()
    {
        var document = JsonNode.Parse(await api.Contract.GetJsonAsync(Ct))!;
        var schemes = document["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).ToHashSet();

        var faults = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                if (string.IsNullOrWhiteSpace(operation!["summary"]?.GetValue<string>()))
                {
                    faults.Add($"{name}: no summary");
                }
                // Public operations say so with an empty list; anything else names schemes the document defines.
                if (operation["security"] is not JsonArray security)
                {
                    faults.Add($"{name}: no security requirement (public operations declare security: [])");
                }
                else if (security.SelectMany(r => r!.AsObject().Select(s => s.Key)).FirstOrDefault(s => !schemes.Contains(s)) is { } unknown)
                {
                    faults.Add($"{name}: unknown security scheme {unknown}");
                }
                if (!operation["responses"]!.AsObject().Any(r => r.Key.StartsWith('4')))
                {
                    faults.Add($"{name}: no 4xx response");
                }
            }
        }

        Assert.True(faults.Count == 0, string.Join("\n", faults));
        Assert.Contains("telegramWebhookSecret", schemes);
        Assert.Equal("header", document["components"]!["securitySchemes"]!["telegramWebhookSecret"]!["in"]!.GetValue<string>());
    }

    [Fact]
    public async Task HaveExamplesThatMatchTheirSchemas()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var violations = contract.CheckSchemaExamples();

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task ListEveryProblemCodeTheCodeAnswers()
    {
        var document = JsonNode.Parse(await api.Contract.GetJsonAsync(Ct))!;
        var listed = document["components"]!["schemas"]!["ProblemDetails"]!["properties"]!["code"]!["enum"]!.AsArray()
            .Select(c => c!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        // Every code literal Core and the Api can answer with: exceptions, problem results, "code" extensions, status defaults.
        var thrown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var project in new[] { "Core", "Api" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), project), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                     && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                     && Path.GetFileName(f) != "ProblemCodes.cs"))
            {
                foreach (Match match in ProblemCodeLiteral().Matches(await File.ReadAllTextAsync(file, Ct)))
                {
                    thrown.Add(match.Groups["code"].Value);
                }
            }
        }

        Assert.True(thrown.Count > 30, "Found only: " + string.Join(", ", thrown));
        var missing = thrown.Where(code => !listed.Contains(code)).ToList();
        Assert.True(missing.Count == 0, "Problem codes answered but not in Api/Errors/ProblemCodes.cs: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task BeTheCommittedSnapshot()
    {
        var live = Snapshot(await api.Contract.GetJsonAsync(Ct));
        var path = Path.Combine(RepositoryRoot(), "docs", "api", "openapi-v1.json");
        if (Environment.GetEnvironmentVariable("OMNICHAT_REFRESH_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, live, Ct);
        }

        var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path, Ct)).ReplaceLineEndings("\n") : "";

        var difference = live.Split('\n').Zip(committed.Split('\n'), (l, c) => (l, c)).Select((pair, line) => (pair, line))
            .FirstOrDefault(x => x.pair.l != x.pair.c);
        Assert.True(live == committed,
            "docs/api/openapi-v1.json is not the document the Api serves; refresh it with "
            + "OMNICHAT_REFRESH_OPENAPI=1 dotnet test tests/Api.Tests --no-build --filter BeTheCommittedSnapshot, review the diff and commit it. "
            + $"First difference at line {difference.line + 1}: committed '{difference.pair.c?.Trim()}', served '{difference.pair.l?.Trim()}'.");
    }

    // The served document, indented the same way whatever the serializer of the day does with white space.
    private static string Snapshot(string json)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OmniChat.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("No OmniChat.sln above " + AppContext.BaseDirectory);
    }

    // new NotFoundException("code", …), new DomainException(400, "code", …), Problem(413, "code", …), new("code", …),
    // ["code"] = "code", and the status defaults (StatusCodes.Status404NotFound => "not_found").
    [GeneratedRegex(@"(?:(?:Exception|Problem|new)\(\s*(?:(?:\d{3}|StatusCodes\.\w+)\s*,\s*)?|\[""code""\]\s*=\s*|StatusCodes\.\w+\s*=>\s*)""(?<code>[a-z][a-z0-9]*(?:_[a-z0-9]+)*)""")]
    private static partial Regex ProblemCodeLiteral();

    // "v2/conversations/{id:guid}", "/v2/conversations/{id}" and a group's "/v2/conversations/" + "" are the routes of the document.
    private static string Normalize(string template) =>
        "/" + Parameter().Replace(template.Trim('/'), m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex Parameter();
}
