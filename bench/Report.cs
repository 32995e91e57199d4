using System.Globalization;
using System.Text;
using System.Text.Json;
using OmniChat.Bench.Scenarios;

namespace OmniChat.Bench;

/// <summary>Writes <c>results.json</c> and <c>report.md</c> (the charts are written by the scenarios).</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync(string directory, BenchSettings settings, IReadOnlyList<ScenarioResult> results,
        IReadOnlyList<string> notRun, CancellationToken cancellationToken)
    {
        var machine = new
        {
            cores = Environment.ProcessorCount,
            os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            date = DateTimeOffset.UtcNow,
            quick = settings.Quick,
        };
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"),
            JsonSerializer.Serialize(new { machine, results, notRun }, JsonOptions),
            cancellationToken);

        var md = new StringBuilder();
        md.AppendLine("# OmniChat benchmark report").AppendLine();
        var quickNote = settings.Quick ? " · **quick run (smoke only, numbers not meaningful)**" : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"{machine.date:yyyy-MM-dd HH:mm} UTC · {machine.cores} cores · {machine.os} · {machine.runtime}{quickNote}").AppendLine();
        md.AppendLine("Each scenario measures OmniChat and a raw baseline of the same work in the same run; the ratio is what counts on a noisy, shared machine.").AppendLine();
        md.AppendLine("| scenario | variant | ours | baseline | ratio | goal | pass | notes |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var details = string.Join(", ", r.Details.Select(d => $"{d.Key} {d.Value:0.##}"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Variant} | {r.Ours:0.##} {r.Unit} | {r.Baseline:0.##} {r.Unit} | {r.RatioText} | {r.GoalText} | {r.PassText} | {r.Note} {details} |");
        }
        md.AppendLine();
        if (notRun.Count > 0)
        {
            md.AppendLine("Not measured yet (the part they measure does not exist yet): " + string.Join("; ", notRun) + ".").AppendLine();
        }
        foreach (var chart in Directory.GetFiles(directory, "*.png").Order(StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})").AppendLine();
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), md.ToString(), cancellationToken);
    }
}
