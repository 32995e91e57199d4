using Npgsql;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Outbox;

/// <summary>
/// Numbers committed events for the tenant event streams (ADR 0022) every few seconds, tenant by tenant, even when no
/// stream is open: the streams' own readers number what they read, so this only keeps the backlog of tenants without a
/// stream small (a stream that opens later finds its events numbered). Each tenant is numbered in its own short
/// statement under that tenant's lock, so one tenant's backlog never holds up another's.
/// </summary>
internal sealed partial class EventStreamSequencer(SystemDataSource system, ILogger<EventStreamSequencer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogSystemScope(logger);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SequenceAllAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogRoundFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task SequenceAllAsync(CancellationToken cancellationToken)
    {
        var tenants = new List<Guid>();
        await using (var pending = system.Value.CreateCommand(
            "SELECT DISTINCT tenant_id FROM outbox_messages WHERE stream_position IS NULL"))
        await using (var reader = await pending.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tenants.Add(reader.GetGuid(0));
            }
        }
        // The same call the streams' readers make (the tenant setting it adds is harmless on the system role).
        var log = new TenantEventLog(system.Value);
        foreach (var tenant in tenants)
        {
            await log.SequenceAsync(tenant, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream sequencer: numbers committed events of every tenant on the system role (raw SQL, ADR 0003)")]
    private static partial void LogSystemScope(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Numbering events for the event streams failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
