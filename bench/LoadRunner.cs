using System.Diagnostics;
using HdrHistogram;

namespace OmniChat.Bench;

/// <summary>What one timed run produced: operations, errors, wall time and a latency histogram (microseconds).</summary>
internal sealed record LoadResult(long Operations, long Errors, TimeSpan Elapsed, HistogramBase Latency, IReadOnlyList<double> ThroughputPerSecond)
{
    public double Throughput => Operations / Elapsed.TotalSeconds;

    public double PercentileMs(double percentile) => Latency.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>Several timed slices of the same work as one result (operations, time and histograms added up).</summary>
    public static LoadResult Merge(IReadOnlyList<LoadResult> slices)
    {
        var latency = new LongHistogram(1, 60_000_000, 3);
        foreach (var slice in slices)
        {
            latency.Add(slice.Latency);
        }
        return new LoadResult(slices.Sum(s => s.Operations), slices.Sum(s => s.Errors), TimeSpan.FromTicks(slices.Sum(s => s.Elapsed.Ticks)),
            latency, [.. slices.SelectMany(s => s.ThroughputPerSecond)]);
    }
}

/// <summary>One side of a comparison: how many workers run it, and what each does per operation.</summary>
internal sealed record LoadSide(int Concurrency, Func<int, Task> Operation);

/// <summary>A side's merged result, and the CPU time each clock advanced while that side ran (its settling time included).</summary>
internal sealed record ComparedSide(LoadResult Load, IReadOnlyList<TimeSpan> Cpu);

/// <summary>Runs an operation from <c>concurrency</c> workers for a fixed time, after a warm-up, recording each latency.</summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(int concurrency, TimeSpan warmUp, TimeSpan duration, Func<int, Task> operation,
        CancellationToken cancellationToken)
    {
        var histogram = new LongConcurrentHistogram(1, 60_000_000, 3);
        long operations = 0, errors = 0;
        var measuring = false;
        var perSecond = new List<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task Worker(int worker)
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation(worker);
                    if (Volatile.Read(ref measuring))
                    {
                        histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
                        Interlocked.Increment(ref operations);
                    }
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => Worker(i), CancellationToken.None)).ToArray();
        await Task.Delay(warmUp, cancellationToken);
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        long previous = 0;
        while (clock.Elapsed < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = Interlocked.Read(ref operations);
            perSecond.Add(now - previous);
            previous = now;
        }
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        var total = Interlocked.Read(ref operations);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException)
        {
            // Workers stop mid-operation.
        }
        return new LoadResult(total, Interlocked.Read(ref errors), elapsed, histogram, perSecond);
    }

    /// <summary>
    /// Runs two or more sides of a comparison in alternating slices instead of one after the other: each side warms up
    /// once, then every round runs each side for <c>duration / rounds</c> (after a one-second settle), in ABBA order. On a
    /// shared machine the background load drifts over tens of seconds (other tenants, a checkpoint, autovacuum woken by
    /// the run's own rows); back-to-back runs charge such a drift to whichever side ran during it, alternating slices
    /// spread it over both. <paramref name="cpuClocks"/> are read around every slice and charged to its side.
    /// </summary>
    public static async Task<IReadOnlyList<ComparedSide>> AlternateAsync(IReadOnlyList<LoadSide> sides, TimeSpan warmUp, TimeSpan duration,
        int rounds, IReadOnlyList<Func<TimeSpan>> cpuClocks, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        foreach (var side in sides)
        {
            await RunAsync(side.Concurrency, warmUp, TimeSpan.Zero, side.Operation, cancellationToken);
        }
        var slices = sides.Select(_ => new List<LoadResult>()).ToArray();
        var cpu = sides.Select(_ => new TimeSpan[cpuClocks.Count]).ToArray();
        var settle = TimeSpan.FromSeconds(Math.Min(1, warmUp.TotalSeconds));
        await InSlicesAsync(sides.Count, rounds, async index =>
        {
            var before = cpuClocks.Select(clock => clock()).ToArray();
            slices[index].Add(await RunAsync(sides[index].Concurrency, settle, duration / rounds, sides[index].Operation, cancellationToken));
            for (var c = 0; c < cpuClocks.Count; c++)
            {
                cpu[index][c] += cpuClocks[c]() - before[c];
            }
        });
        return [.. slices.Select((s, i) => new ComparedSide(LoadResult.Merge(s), cpu[i]))];
    }

    /// <summary>
    /// Runs one slice of each of <paramref name="sides"/> per round, in ABBA order (first to last in even rounds, last to
    /// first in odd ones), so a drift in the machine's background load falls on every side alike.
    /// </summary>
    public static async Task InSlicesAsync(int sides, int rounds, Func<int, Task> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < sides; k++)
            {
                await slice(round % 2 == 0 ? k : sides - 1 - k);
            }
        }
    }

    /// <summary>
    /// Open loop: starts operations at a fixed total <paramref name="ratePerSecond"/>, spread evenly, whether or not earlier
    /// ones finished (as independent people would), and records each latency from the moment it was <em>scheduled</em>,
    /// so a stall is charged to every operation it delayed (no coordinated omission). The operation gets its sequence
    /// number (the caller maps it to an agent) and its scheduled <see cref="Stopwatch"/> timestamp.
    /// </summary>
    public static async Task<LoadResult> RunPacedAsync(double ratePerSecond, TimeSpan warmUp, TimeSpan duration, Func<long, long, Task> operation,
        CancellationToken cancellationToken)
    {
        var histogram = new LongConcurrentHistogram(1, 60_000_000, 3);
        long operations = 0, errors = 0;
        var perSecond = new List<double>();
        var inFlight = new List<Task>();
        var interval = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var end = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long next = 0, previous = 0;
        var secondEnds = measureFrom + Stopwatch.Frequency;

        async Task One(long sequence, long scheduled, bool measured)
        {
            try
            {
                await operation(sequence, scheduled);
                if (measured)
                {
                    histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(scheduled).TotalMicroseconds));
                    Interlocked.Increment(ref operations);
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
            }
        }

        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                break;
            }
            // Start everything due by now (a late timer tick starts the overdue ones at once, each charged from its slot).
            for (var scheduled = start + (long)(next * interval); scheduled <= now && scheduled < end; scheduled = start + (long)(next * interval))
            {
                inFlight.Add(One(next, scheduled, scheduled >= measureFrom));
                next++;
            }
            if (now >= secondEnds)
            {
                var done = Interlocked.Read(ref operations);
                perSecond.Add(done - previous);
                previous = done;
                secondEnds += Stopwatch.Frequency;
            }
            if (inFlight.Count > 4096)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
            await Task.Delay(1, cancellationToken);
        }
        await Task.WhenAll(inFlight);
        return new LoadResult(Interlocked.Read(ref operations), Interlocked.Read(ref errors), duration, histogram, perSecond);
    }
}
