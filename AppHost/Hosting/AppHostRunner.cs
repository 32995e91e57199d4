using System.Runtime.InteropServices;
using OmniChat.AppHost.Publishing;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// <c>dotnet run --project AppHost</c>: start everything, print the resource table, stream logs, report crashes,
/// and on Ctrl+C or SIGTERM stop the services, then the servers, leaving no process behind.
/// </summary>
internal static class AppHostRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["publish", .. var publishArgs])
        {
            return await PublishAsync(publishArgs);
        }
        var options = AppHostOptions.FromCommandLine(args);
        Posix.RestoreSigIntDefault(); // before registering, so the runtime installs its SIGINT handler

        using var shutdown = new CancellationTokenSource();
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                Console.WriteLine("Stopping services, then servers...");
                shutdown.Cancel();
            }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        Console.WriteLine($"OmniChat AppHost — data in {options.DataDirectory}");
        DistributedApplication app;
        try
        {
            app = await DistributedApplication.StartAsync(options, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("Start cancelled; everything started has been stopped.");
            return 130;
        }
        catch (Exception ex) when (ex is PortInUseException or MissingServerException or ResourceFailedException
                                       or InvalidOperationException or FileNotFoundException)
        {
            WriteError(ex.Message);
            if (ex is ResourceFailedException failed)
            {
                foreach (var line in failed.LogTail)
                {
                    WriteError("    " + line);
                }
            }
            return 1;
        }

        try
        {
            app.PrintSummary();
            var watched = app.Processes.ToList();
            while (watched.Count > 0)
            {
                watched.Remove(await app.WaitForUnexpectedExitAsync(watched, shutdown.Token));
            }
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM.
        }
        finally
        {
            await app.StopAsync();
            Console.WriteLine("Everything stopped.");
        }
        return 0;
    }

    /// <summary><c>publish --target kubernetes --out deploy/k8s</c>: manifests from the same model the local run uses.</summary>
    private static async Task<int> PublishAsync(string[] args)
    {
        PublishOptions options;
        try
        {
            options = PublishOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            WriteError(ex.Message);
            return 64;
        }
        var written = await KubernetesPublisher.PublishAsync(options);
        Console.WriteLine($"Wrote {written.Count} files to {Path.GetFullPath(options.OutputDirectory)}; next: {Path.Combine(options.OutputDirectory, "README.md")}.");
        return 0;
    }

    private static void WriteError(string message)
    {
        var previous = Console.ForegroundColor;
        Console.ForegroundColor = ConsoleColor.Red;
        Console.Error.WriteLine(message);
        Console.ForegroundColor = previous;
    }
}
