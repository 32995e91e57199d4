using Microsoft.Extensions.Options;
using OmniChat.Core.Conversations;
using OmniChat.Core.Messaging;
using OmniChat.Core.Outbox;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Tenancy;

namespace OmniChat.Workers.Telemetry;

/// <summary>How often the Workers read the platform for their gauges (<c>Metrics__SampleInterval</c>, <c>Metrics__UsageSampleInterval</c>).</summary>
internal sealed class PlatformGaugeOptions
{
    public const string Section = "Metrics";

    /// <summary>Outbox, dead letters, queue depths and unanswered conversations: a few aggregates each time.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tenants' usage of their limits: the monthly counts of every tenant, so less often.</summary>
    public TimeSpan UsageSampleInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Reads the platform every <see cref="PlatformGaugeOptions.SampleInterval"/> for <see cref="PlatformGauges"/>, through
/// the same services the operator console reads (<see cref="OutboxBacklog"/>, <see cref="DeadLetters"/>,
/// <see cref="QueueDepths"/>) and one aggregate over conversations, in the logged system scope. The first sample is taken
/// at start. A failed part is logged and reported as missing until the next sample reads it.
/// </summary>
internal sealed partial class PlatformGaugeSampler(PlatformGauges gauges, OutboxBacklog outbox, DeadLetters deadLetters, QueueDepths queues,
    SystemDbContextFactory system, PlanCatalog plans, IOptions<PlatformGaugeOptions> options, TimeProvider time,
    ILogger<PlatformGaugeSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        DateTimeOffset? usageSampledAt = null;
        do
        {
            await SampleAsync(stoppingToken);
            var now = time.GetUtcNow();
            if (usageSampledAt is null || now - usageSampledAt >= options.Value.UsageSampleInterval)
            {
                await SampleUsageAsync(stoppingToken);
                usageSampledAt = now;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        var lag = await TryAsync("outbox lag", outbox.SampleAsync, cancellationToken);
        var dead = await TryAsync("dead letters", deadLetters.CountAsync, cancellationToken);
        var depths = await TryAsync("queue depths", queues.ReadAsync, cancellationToken);
        var unanswered = await TryAsync("unanswered conversations", async ct =>
        {
            await using var db = system.CreateRoutine("metrics: unanswered conversations per tenant");
            return await TenantStatistics.CountUnansweredByTenantAsync(db, ct);
        }, cancellationToken);
        gauges.Publish(new PlatformSample(time.GetUtcNow(), lag, dead, depths?.Queues ?? [], unanswered ?? new Dictionary<Guid, int>()));
    }

    private async Task SampleUsageAsync(CancellationToken cancellationToken)
    {
        var limits = await TryAsync("tenant usage", async ct =>
        {
            await using var db = system.CreateRoutine("metrics: usage of plan limits per tenant");
            var tenants = await TenantUsage.ReadAllAsync(db, plans, time.GetUtcNow(), ct);
            // Only what is counted against a limit (a limit of 0 means none): bounded by tenants × 4.
            List<TenantLimitUsage> usage = [.. tenants.SelectMany(t => t.Meters
                .Where(m => m is { Used: not null, Limit: > 0 })
                .Select(m => new TenantLimitUsage(t.TenantId, m.Key, (double)m.Used!.Value / m.Limit)))];
            return usage;
        }, cancellationToken);
        if (limits is not null)
        {
            gauges.Publish(limits);
        }
    }

    private async Task<T?> TryAsync<T>(string what, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await read(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogSampleFailed(logger, what, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the {What} for the metrics failed; the gauge reports nothing until the next sample")]
    private static partial void LogSampleFailed(ILogger logger, string what, Exception exception);
}
