using ScottPlot;

namespace OmniChat.Bench;

/// <summary>PNG charts of the report (ScottPlot).</summary>
internal static class Charts
{
    public static void LatencyByConcurrency(string path, string title, IReadOnlyList<(int Concurrency, LoadResult Ours, LoadResult Baseline)> points)
    {
        var plot = new Plot();
        double[] xs = [.. points.Select(p => (double)p.Concurrency)];
        void Line(string label, Func<(int Concurrency, LoadResult Ours, LoadResult Baseline), double> y)
        {
            var scatter = plot.Add.Scatter(xs, points.Select(y).ToArray());
            scatter.LegendText = label;
        }
        Line("ours p50", p => p.Ours.PercentileMs(50));
        Line("ours p99", p => p.Ours.PercentileMs(99));
        Line("raw p50", p => p.Baseline.PercentileMs(50));
        Line("raw p99", p => p.Baseline.PercentileMs(99));
        plot.Title(title);
        plot.XLabel("concurrency");
        plot.YLabel("ms");
        plot.ShowLegend();
        plot.SavePng(path, 900, 500);
    }

    public static void ThroughputOverTime(string path, string title, IReadOnlyList<double> ours, IReadOnlyList<double> baseline)
    {
        var plot = new Plot();
        if (ours.Count > 0)
        {
            var line = plot.Add.Scatter(Enumerable.Range(1, ours.Count).Select(i => (double)i).ToArray(), ours.ToArray());
            line.LegendText = "ours";
        }
        if (baseline.Count > 0)
        {
            var line = plot.Add.Scatter(Enumerable.Range(1, baseline.Count).Select(i => (double)i).ToArray(), baseline.ToArray());
            line.LegendText = "raw baseline";
        }
        plot.Title(title);
        plot.XLabel("second");
        plot.YLabel("per second");
        plot.ShowLegend();
        plot.SavePng(path, 900, 500);
    }
}
