using Npgsql;
using OmniChat.Core;

namespace OmniChat.Workers.Delivery;

/// <summary>
/// The claim-and-handle loop the webhook sender, the Telegram sender and the Telegram inbox share (ADR 0022): claim as many due deliveries as
/// slots are free, no tenant beyond <see cref="PerTenantConcurrency"/> in flight, start each on its own task with no
/// transaction open, and claim again as soon as a slot frees or new work is signalled (else after the poll interval). On
/// stop, what is in flight finishes; a delivery cut off by the process dying is taken again when its lease lapses.
/// </summary>
internal abstract class FairDeliveryLoop(Wakeup signal, ILogger logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, int> _inFlightByTenant = [];
    private readonly HashSet<Task> _inFlight = [];

    /// <summary>Deliveries in flight at once, all tenants together.</summary>
    protected abstract int Concurrency { get; }

    /// <summary>One tenant's share of <see cref="Concurrency"/>.</summary>
    protected abstract int PerTenantConcurrency { get; }

    /// <summary>How long to wait for a signal before looking for due deliveries again.</summary>
    protected abstract TimeSpan PollInterval { get; }

    /// <summary>Logged once at start: the loop reads every tenant's deliveries on the system role (ADR 0003).</summary>
    protected abstract void LogStarted();

    /// <summary>
    /// Claims up to <paramref name="free"/> due deliveries, none of a tenant beyond <see cref="PerTenantConcurrency"/>
    /// minus what <paramref name="busy"/> says it has in flight, and starts each with <see cref="Start"/>; returns how many.
    /// </summary>
    protected abstract Task<int> ClaimAsync(int free, IReadOnlyDictionary<Guid, int> busy, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (free, busy) = Capacity();
                var claimed = free > 0 ? await ClaimAsync(free, busy, stoppingToken) : 0;
                if (claimed == 0 || claimed == free)
                {
                    // Nothing more is due, or every slot is taken: wait for new deliveries, a freed slot or the poll.
                    await signal.WaitAsync(PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogRoundFailed(logger, GetType().Name, ex);
                await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        Task[] remaining;
        lock (_gate)
        {
            remaining = [.. _inFlight];
        }
        await Task.WhenAll(remaining).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Runs <paramref name="deliver"/> as one of <paramref name="tenantId"/>'s slots; a finished one wakes the loop.</summary>
    protected void Start(Guid tenantId, Func<Task> deliver)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        lock (_gate)
        {
            _inFlightByTenant[tenantId] = _inFlightByTenant.GetValueOrDefault(tenantId) + 1;
            var task = RunAsync(deliver);
            _inFlight.Add(task);
            _ = task.ContinueWith(done => Finished(done, tenantId), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private static async Task RunAsync(Func<Task> deliver)
    {
        // Off the claiming loop's thread: the loop goes on claiming while this waits for the other side.
        await Task.Yield();
        await deliver();
    }

    private (int Free, Dictionary<Guid, int> Busy) Capacity()
    {
        lock (_gate)
        {
            return (Concurrency - _inFlight.Count, new Dictionary<Guid, int>(_inFlightByTenant));
        }
    }

    private void Finished(Task task, Guid tenantId)
    {
        lock (_gate)
        {
            _inFlight.Remove(task);
            if (--_inFlightByTenant[tenantId] == 0)
            {
                _inFlightByTenant.Remove(tenantId);
            }
        }
        signal.Wake();
    }

    private static readonly Action<ILogger, string, Exception?> LogRoundFailed =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(1, "DeliveryRoundFailed"), "A {Sender} round failed; retrying");
}
