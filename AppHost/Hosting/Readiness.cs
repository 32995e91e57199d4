namespace OmniChat.AppHost.Hosting;

/// <summary>Polls a probe until it succeeds, failing early (with the log tail) if the process exits.</summary>
internal static class Readiness
{
    public static async Task WaitAsync(string resource, ManagedProcess process, TimeSpan timeout, Func<CancellationToken, Task> probe,
        LogSink logs, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.Exited.IsCompleted)
            {
                throw new ResourceFailedException(resource,
                    $"{resource} exited with code {process.Exited.Result} while starting.", logs.Tail(resource, 20));
            }
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                await probe(attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new ResourceFailedException(resource,
            $"{resource} was not ready after {timeout.TotalSeconds:0} s ({last?.Message}).", logs.Tail(resource, 20));
    }
}

/// <summary>A resource failed to start or become ready.</summary>
internal sealed class ResourceFailedException(string resource, string message, IReadOnlyList<string> logTail) : Exception(message)
{
    public string Resource { get; } = resource;

    public IReadOnlyList<string> LogTail { get; } = logTail;
}
