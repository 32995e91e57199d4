using System.Globalization;

namespace OmniChat.Bench;

/// <summary>Process CPU time (user + system) from <c>/proc/&lt;pid&gt;/stat</c>, so cost is measured in CPU, not wall time.</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan Of(int pid) => Cpu(Stat(pid), 11);

    /// <summary>CPU time of <paramref name="pid"/>, its live direct children (PostgreSQL's backends call setsid, so they
    /// leave the postmaster's process group but stay its children) and the children it has reaped.</summary>
    public static TimeSpan OfTree(int pid)
    {
        // A backend that exited (its connection closed) leaves the live children's sum; once reaped, its time is in the
        // parent's cutime + cstime (fields 13, 14), so the total never goes backwards.
        var root = Stat(pid);
        var total = Cpu(root, 11) + Cpu(root, 13);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate) || candidate == pid)
            {
                continue;
            }
            try
            {
                var fields = Stat(candidate);
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    total += Cpu(fields, 11);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return total;
    }

    // The fields of /proc/<pid>/stat after the command name (which may hold spaces): [1] ppid, [11] utime, [12] stime,
    // [13] cutime, [14] cstime.
    private static string[] Stat(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // Two consecutive clock-tick fields (user + system) as a duration.
    private static TimeSpan Cpu(string[] fields, int first) => TimeSpan.FromSeconds(
        (long.Parse(fields[first], CultureInfo.InvariantCulture) + long.Parse(fields[first + 1], CultureInfo.InvariantCulture)) / TicksPerSecond);
}

/// <summary>
/// CPU time of a few named processes over a run, or over several slices of one (<see cref="Pause"/> and
/// <see cref="Resume"/>), reported per operation (<c>{name}_cpu_ms_per_{unit}</c>).
/// </summary>
internal sealed class CpuMeter
{
    private readonly (string Name, Func<TimeSpan> Read)[] _processes;
    private readonly TimeSpan[] _counted;
    private TimeSpan[]? _sliceStart;

    private CpuMeter((string Name, Func<TimeSpan> Read)[] processes)
    {
        _processes = processes;
        _counted = new TimeSpan[processes.Length];
    }

    /// <summary>Starts measuring; each process is read through <c>Read</c> (<see cref="ProcessCpu.Of"/> or <see cref="ProcessCpu.OfTree"/>).</summary>
    public static CpuMeter Start(params (string Name, Func<TimeSpan> Read)[] processes)
    {
        var meter = new CpuMeter(processes);
        meter.Resume();
        return meter;
    }

    /// <summary>A meter that counts nothing until <see cref="Resume"/>.</summary>
    public static CpuMeter Paused(params (string Name, Func<TimeSpan> Read)[] processes) => new(processes);

    /// <summary>This process (the load generator or publisher).</summary>
    public static (string Name, Func<TimeSpan> Read) Self(string name) => (name, () => ProcessCpu.Of(Environment.ProcessId));

    /// <summary>Counts from now on.</summary>
    public void Resume() => _sliceStart = [.. _processes.Select(p => p.Read())];

    /// <summary>Stops counting; what the slice since <see cref="Resume"/> used is kept.</summary>
    public void Pause()
    {
        if (_sliceStart is { } start)
        {
            for (var i = 0; i < _processes.Length; i++)
            {
                _counted[i] += _processes[i].Read() - start[i];
            }
            _sliceStart = null;
        }
    }

    /// <summary>What <paramref name="name"/> used in the slices counted so far.</summary>
    public TimeSpan Total(string name)
    {
        Pause();
        return _counted[Array.FindIndex(_processes, p => p.Name == name)];
    }

    public Dictionary<string, double> PerOperation(long operations, string unit = "op")
    {
        Pause();
        var n = Math.Max(1, operations);
        return _processes.Select((p, i) => (p.Name, _counted[i])).ToDictionary(p => $"{p.Name}_cpu_ms_per_{unit}", p => p.Item2.TotalMilliseconds / n);
    }
}
