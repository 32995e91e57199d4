using System.Diagnostics;

namespace OmniChat.AppHost.Hosting;

/// <summary>Runs a short command to completion (initdb, chown, apt-get), its output into the log sink.</summary>
internal static class ChildCommand
{
    public static async Task RunAsync(string resource, string program, IReadOnlyList<string> args, LogSink logs,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logs.Line(resource, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logs.Line(resource, e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} failed with exit code {process.ExitCode} (see {logs.PathFor(resource)}).");
        }
    }
}
