using System.Diagnostics;
using System.Globalization;

namespace OmniChat.AppHost.Hosting;

/// <summary>What to run as a child: the program, its arguments, environment, and how to recognise it later.</summary>
internal sealed record ProcessSpec(
    string Name,
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    string PidFile,
    string Marker)
{
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>When set (and we are root), the program runs as this user.</summary>
    public string? RunAsUser { get; init; }

    /// <summary>Ports the program will listen on, checked free (after any leftover is stopped) before it starts.</summary>
    public IReadOnlyList<PortClaim> Ports { get; init; } = [];
}

/// <summary>A port a resource needs, with the setting that overrides it.</summary>
internal sealed record PortClaim(int Port, string Resource, string OverrideSetting);

/// <summary>
/// A child process in its own session and process group (through <c>setsid</c>), so a terminal's Ctrl+C reaches only
/// the AppHost, which then stops children in order. Its pid is recorded in a pid file so a later run can clean up after
/// a crash. Output lines go to the <see cref="LogSink"/>.
/// </summary>
public sealed class ManagedProcess
{
    private readonly Process _process;
    private readonly ProcessSpec _spec;
    private volatile bool _stopping;

    private ManagedProcess(Process process, ProcessSpec spec, Task<int> exited)
    {
        _process = process;
        _spec = spec;
        Exited = exited;
    }

    public string Name => _spec.Name;

    public int Pid => _process.Id;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited { get; }

    /// <summary>True once <see cref="StopAsync"/> was called: an exit after that is expected.</summary>
    public bool IsStopping => _stopping;

    private bool _stopped;

    internal static async Task<ManagedProcess> StartAsync(ProcessSpec spec, LogSink logs, CancellationToken cancellationToken)
    {
        await ReapLeftoverAsync(spec, logs, cancellationToken);
        foreach (var claim in spec.Ports)
        {
            PortSet.EnsureFree(claim.Port, claim.Resource, claim.OverrideSetting);
        }

        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (spec.RunAsUser is { } user)
        {
            foreach (var arg in new[] { "setpriv", $"--reuid={user}", $"--regid={user}", "--init-groups" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        info.ArgumentList.Add(spec.FileName);
        foreach (var arg in spec.Arguments)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logs.Line(spec.Name, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logs.Line(spec.Name, e.Data); };
        process.Exited += (_, _) =>
        {
            // Drain the output before reporting the exit.
            process.WaitForExit();
            exited.TrySetResult(process.ExitCode);
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {spec.Name} ({spec.FileName}).");
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Not cancellable: once started, the child must be on record, or a cancelled start would orphan it.
        Directory.CreateDirectory(Path.GetDirectoryName(spec.PidFile)!);
        await File.WriteAllTextAsync(spec.PidFile, process.Id.ToString(CultureInfo.InvariantCulture), CancellationToken.None);
        return new ManagedProcess(process, spec, exited.Task);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (to the process, or to its whole group), waits up to <paramref name="grace"/>,
    /// then kills the group. Returns once every process of the group is gone.
    /// </summary>
    internal async Task StopAsync(int signal, TimeSpan grace, bool wholeGroup = true)
    {
        if (_stopped)
        {
            return; // already stopped (a killed replica is stopped again with the rest)
        }
        _stopping = true;
        if (!Exited.IsCompleted)
        {
            Posix.Kill(wholeGroup ? -Pid : Pid, signal);
        }
        await WaitGroupGoneAsync(Pid, grace);
        if (ProcessTable.GroupMembers(Pid).Count > 0)
        {
            Posix.Kill(-Pid, Posix.SigKill);
            await WaitGroupGoneAsync(Pid, TimeSpan.FromSeconds(5));
        }
        try
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The group is gone; the exit notification may lag behind.
        }
        File.Delete(_spec.PidFile);
        _stopped = true;
        _process.Dispose();
    }

    private static async Task WaitGroupGoneAsync(int pgid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ProcessTable.GroupMembers(pgid).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// A previous AppHost that crashed may have left this resource running: if the pid file names a live process group
    /// one of whose members carries our marker (its data directory or program path), stop that group first.
    /// </summary>
    internal static async Task ReapLeftoverAsync(ProcessSpec spec, LogSink logs, CancellationToken cancellationToken)
    {
        if (!File.Exists(spec.PidFile))
        {
            return;
        }
        var text = await File.ReadAllTextAsync(spec.PidFile, cancellationToken);
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pgid) && pgid > 1)
        {
            var ours = ProcessTable.GroupMembers(pgid)
                .Any(pid => ProcessTable.Carries(pid, spec.Marker));
            if (ours)
            {
                logs.Info($"Stopping {spec.Name} left running by a previous run (process group {pgid}).", ConsoleColor.Yellow);
                Posix.Kill(-pgid, Posix.SigTerm);
                await WaitGroupGoneAsync(pgid, TimeSpan.FromSeconds(15));
                if (ProcessTable.GroupMembers(pgid).Count > 0)
                {
                    Posix.Kill(-pgid, Posix.SigKill);
                    await WaitGroupGoneAsync(pgid, TimeSpan.FromSeconds(5));
                }
            }
        }
        File.Delete(spec.PidFile);
    }
}
