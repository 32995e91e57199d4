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

    /// <summary>Latency by percentile (50 → 99.9) of ours and the baseline.</summary>
    public static void LatencyPercentiles(string path, string title, HdrHistogram.HistogramBase ours, HdrHistogram.HistogramBase baseline)
    {
        double[] percentiles = [50, 75, 90, 95, 99, 99.9];
        var plot = new Plot();
        double[] xs = [.. Enumerable.Range(0, percentiles.Length).Select(i => (double)i)];
        var o = plot.Add.Scatter(xs, percentiles.Select(p => ours.GetValueAtPercentile(p) / 1000.0).ToArray());
        o.LegendText = "ours";
        var b = plot.Add.Scatter(xs, percentiles.Select(p => baseline.GetValueAtPercentile(p) / 1000.0).ToArray());
        b.LegendText = "raw baseline";
        plot.Axes.Bottom.SetTicks(xs, [.. percentiles.Select(p => $"p{p}")]);
        plot.Title(title);
        plot.YLabel("ms");
        plot.ShowLegend();
        plot.SavePng(path, 900, 500);
    }
}
