using System.Globalization;
using OmniChat.Bench;
using OmniChat.Bench.Scenarios;

// dotnet run -c Release --project bench -- <scenario>|all [--quick] [--out bench/results/<name>]
IScenario[] scenarios = [new IngestScenario(), new HotConversationScenario(), new FanOutScenario(), new IdleConnectionsScenario(), new ApiUnderLoadScenario(), new OutboxDrainScenario(), new TelegramSenderScenario(), new AgentStreamsScenario(), new TelegramPipelineScenario(), new PortalInboxScenario(), new ScalingScenario(), new InboxListingScenario()];
string[] notYet = [];

var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var quick = args.Contains("--quick");
var outIndex = Array.IndexOf(args, "--out");
var which = positional.FirstOrDefault() ?? "all";
var selected = which == "all" ? scenarios : scenarios.Where(s => s.Name == which).ToArray();
if (selected.Length == 0)
{
    await Console.Error.WriteLineAsync($"unknown scenario '{which}'; known: all, {string.Join(", ", scenarios.Select(s => s.Name))}");
    return 2;
}
var output = Path.GetFullPath(outIndex >= 0 && outIndex + 1 < args.Length
    ? args[outIndex + 1]
    : Path.Combine("bench", "results", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
Directory.CreateDirectory(output);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var settings = new BenchSettings(quick, output);
var results = new List<ScenarioResult>();
Console.WriteLine($"Starting PostgreSQL, Redis, RabbitMQ, the Api and the Realtime hub for the benchmark ({(quick ? "quick" : "full")} run)...");
await using (var environment = await BenchEnvironment.StartAsync(cancel.Token))
{
    foreach (var scenario in selected)
    {
        Console.WriteLine($"scenario {scenario.Name}...");
        var scenarioResults = await scenario.RunAsync(environment, settings, cancel.Token);
        foreach (var r in scenarioResults)
        {
            Console.WriteLine($"  {r.Variant}: ours {r.Ours:0.#} {r.Unit}, baseline {r.Baseline:0.#} {r.Unit}, ratio {r.RatioText} (goal {r.GoalText}) {(r.Informational ? "" : r.Pass ? "pass" : "FAIL")}");
        }
        results.AddRange(scenarioResults);
    }
}
await Report.WriteAsync(output, settings, results, which == "all" ? notYet : [], cancel.Token);
Console.WriteLine($"report: {Path.Combine(output, "report.md")}");
return 0;
