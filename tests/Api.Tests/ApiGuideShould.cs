using System.Text.Json.Nodes;

namespace OmniChat.Api.Tests;

/// <summary>docs/api.md keeps up with the live document: its problem code and webhook tables list what the document does.</summary>
public sealed class ApiGuideShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Guide()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OmniChat.sln")))
            {
                return File.ReadAllText(Path.Combine(directory.FullName, "docs", "api.md"));
            }
        }
        throw new InvalidOperationException("No OmniChat.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task ListEveryProblemCodeOfTheDocument()
    {
        var document = JsonNode.Parse(await api.Contract.GetJsonAsync(Ct))!;
        var codes = document["components"]!["schemas"]!["ProblemDetails"]!["properties"]!["code"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>());

        var guide = Guide();

        Assert.Equal([], [.. codes.Where(code => !guide.Contains($"| `{code}` |", StringComparison.Ordinal))]);
    }

    [Fact]
    public async Task ListEveryWebhookEventOfTheDocument()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var guide = Guide();

        Assert.Equal([], [.. contract.WebhookTypes.Where(type => !guide.Contains($"| `{type}` |", StringComparison.Ordinal))]);
    }
}
