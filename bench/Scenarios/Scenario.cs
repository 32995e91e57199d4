namespace OmniChat.Bench.Scenarios;

/// <summary>One line of the report: our number, the raw baseline's number in the same run, their ratio and the goal.</summary>
internal sealed record ScenarioResult(
    string Scenario,
    string Variant,
    string Unit,
    double Ours,
    double Baseline,
    double Ratio,
    double Goal,
    bool Pass,
    IReadOnlyDictionary<string, double> Details,
    string Note = "")
{
    /// <summary>For latency goals: pass when <see cref="Ratio"/> (ours / baseline) is at most <see cref="Goal"/>.</summary>
    public bool LowerIsBetter { get; init; }

    /// <summary>A side-by-side line with no goal (peers).</summary>
    public bool Informational { get; init; }

    /// <summary>What the goal column says for an informational line (default: a peer shown side by side).</summary>
    public string InformationalGoal { get; init; } = "side by side";

    /// <summary>The pass column as the report prints it.</summary>
    public string PassText => Informational ? "—" : Pass ? "✅" : "❌";

    /// <summary>The goal as the report prints it.</summary>
    public string GoalText => Informational ? InformationalGoal : LowerIsBetter
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"≤ {Goal:0.#}×")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"≥ {Goal:P0}");

    /// <summary>The ratio as the report prints it.</summary>
    public string RatioText => LowerIsBetter
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Ratio:0.##}×")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Ratio:P0}");
}

/// <summary>How long to measure.</summary>
internal sealed record BenchSettings(bool Quick, string OutputDirectory)
{
    public TimeSpan WarmUp => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    public TimeSpan Duration => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(20);

    /// <summary>Alternating slices per side in an A/B comparison (<see cref="LoadRunner.AlternateAsync"/>).</summary>
    public int Rounds => Quick ? 2 : 4;
}

internal interface IScenario
{
    string Name { get; }

    Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken);
}
