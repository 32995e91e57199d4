namespace OmniChat.AppHost.Hosting;

/// <summary>
/// One instance of a service started with <see cref="AppHostOptions.Replicas"/>: its own internal port, behind the local
/// balancer for the Api and Realtime. The AppHost starts it again on the same port when it dies without being asked to
/// (as a Kubernetes ReplicaSet would), so the balancer's destinations never change (ADR 0036).
/// </summary>
public sealed class ServiceInstance
{
    private readonly Lock _lock = new();
    private ManagedProcess _process;
    private TaskCompletionSource _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _restarts;

    internal ServiceInstance(string service, string name, Uri url, ProcessSpec spec, ManagedProcess process)
    {
        Service = service;
        Name = name;
        Url = url;
        Spec = spec;
        _process = process;
    }

    /// <summary>The service it is an instance of (<c>api</c>).</summary>
    public string Service { get; }

    /// <summary>Its resource name (<c>api.1</c>): its log is <c>logs/api.1.log</c>.</summary>
    public string Name { get; }

    /// <summary>Its own base URL (the internal port), not the balancer's.</summary>
    public Uri Url { get; }

    /// <summary>The process id of its current run.</summary>
    public int ProcessId
    {
        get
        {
            lock (_lock)
            {
                return _process.Pid;
            }
        }
    }

    /// <summary>How many times the AppHost has started it again after it died.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    internal ProcessSpec Spec { get; }

    internal ManagedProcess Process
    {
        get
        {
            lock (_lock)
            {
                return _process;
            }
        }
    }

    /// <summary>
    /// Kills its current process group with SIGKILL, as a crash or an OOM kill would: no drain, no 1012, in-flight
    /// requests cut. The AppHost notices and starts it again.
    /// </summary>
    public void Crash()
    {
        var process = Process;
        Posix.Kill(-process.Pid, Posix.SigKill);
    }

    /// <summary>Completes once it has been started again and is ready after its <paramref name="restarts"/>-th death.</summary>
    public async Task WaitForRestartAsync(int restarts, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task next;
            lock (_lock)
            {
                if (_restarts >= restarts)
                {
                    return;
                }
                next = _restarted.Task;
            }
            await next.WaitAsync(cancellationToken);
        }
    }

    internal void Started(ManagedProcess process)
    {
        lock (_lock)
        {
            _process = process;
        }
    }

    internal void Ready()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            _restarts++;
            done = _restarted;
            _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }
}
