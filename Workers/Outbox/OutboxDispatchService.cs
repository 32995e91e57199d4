using Microsoft.Extensions.Options;
using Npgsql;
using OmniChat.Core.Outbox;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Outbox;

/// <summary>
/// Runs <see cref="OutboxOptions.Dispatchers"/> dispatch loops. A loop drains rounds while there is work, then sleeps
/// until PostgreSQL notifies an insert (<c>LISTEN outbox_messages</c>, raised by a trigger) or the poll interval passes.
/// Failed publishes (broker down) back off exponentially up to <see cref="OutboxOptions.MaxBackoff"/>.
/// </summary>
internal sealed partial class OutboxDispatchService(OutboxDispatcher dispatcher, SystemDataSource dataSource, IOptions<OutboxOptions> options,
    ILogger<OutboxDispatchService> logger) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogSystemScope(logger);
        var wake = new SemaphoreSlim(0);
        var listener = ListenAsync(wake, stoppingToken);
        var loops = Enumerable.Range(0, _options.Dispatchers).Select(_ => LoopAsync(wake, stoppingToken)).ToList();
        await Task.WhenAll(loops.Append(listener));
    }

    private async Task LoopAsync(SemaphoreSlim wake, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (published, failed) = await dispatcher.DispatchOnceAsync(stoppingToken);
                if (failed)
                {
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    await Task.Delay(backoff, stoppingToken);
                    continue;
                }
                backoff = TimeSpan.Zero;
                if (published == 0)
                {
                    await wake.WaitAsync(_options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogRoundFailed(logger, ex);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    // One connection listens for inserts and wakes the loops; it reconnects if PostgreSQL goes away.
    private async Task ListenAsync(SemaphoreSlim wake, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.Value.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) =>
                {
                    if (wake.CurrentCount < _options.Dispatchers)
                    {
                        wake.Release();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxOptions.NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                LogListenFailed(logger, ex);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox dispatcher: claims due rows of every tenant on the system role (raw SQL, ADR 0003)")]
    private static partial void LogSystemScope(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An outbox round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for outbox inserts failed; polling until it reconnects")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
