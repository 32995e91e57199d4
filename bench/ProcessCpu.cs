using System.Globalization;

namespace OmniChat.Bench;

/// <summary>Process CPU time (user + system) from <c>/proc/&lt;pid&gt;/stat</c>, so cost is measured in CPU, not wall time.</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU time of <paramref name="pid"/>, its live direct children (PostgreSQL's backends call setsid, so they
    /// leave the postmaster's process group but stay its children) and the children it has reaped.</summary>
    public static TimeSpan OfTree(int pid)
    {
        var total = TimeSpan.Zero;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText($"/proc/{candidate}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (candidate == pid || int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    total += TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond);
                }
                if (candidate == pid)
                {
                    // A backend that exited (its connection closed) takes its CPU time out of the live children's sum;
                    // once reaped it is in the parent's cutime + cstime, so the total never goes backwards.
                    total += TimeSpan.FromSeconds((long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return total;
    }
}

/// <summary>CPU time of a few named processes over a run, reported per operation (<c>{name}_cpu_ms_per_{unit}</c>).</summary>
internal sealed class CpuMeter
{
    private readonly (string Name, Func<TimeSpan> Read, TimeSpan Before)[] _processes;

    private CpuMeter((string Name, Func<TimeSpan> Read)[] processes) =>
        _processes = [.. processes.Select(p => (p.Name, p.Read, p.Read()))];

    /// <summary>Starts measuring; each process is read through <c>Read</c> (<see cref="ProcessCpu.Of"/> or <see cref="ProcessCpu.OfTree"/>).</summary>
    public static CpuMeter Start(params (string Name, Func<TimeSpan> Read)[] processes) => new(processes);

    /// <summary>This process (the load generator or publisher).</summary>
    public static (string Name, Func<TimeSpan> Read) Self(string name) => (name, () => ProcessCpu.Of(Environment.ProcessId));

    public Dictionary<string, double> PerOperation(long operations, string unit = "op")
    {
        var n = Math.Max(1, operations);
        return _processes.ToDictionary(p => $"{p.Name}_cpu_ms_per_{unit}", p => (p.Read() - p.Before).TotalMilliseconds / n);
    }
}
