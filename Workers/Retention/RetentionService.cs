using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Persistence;
using OmniChat.Core.Retention;

namespace OmniChat.Workers.Retention;

/// <summary>
/// Every <see cref="RetentionOptions.Interval"/>, applies each tenant's retention (<see cref="RetentionSweep"/>), one tenant
/// after another in small batches. The tenant list is the only cross-tenant read (logged system scope); the deletes run in
/// each tenant's own scope. A failure with one tenant is logged and the next goes on.
/// </summary>
internal sealed partial class RetentionService(SystemDbContextFactory factory, RetentionSweep sweep, IOptions<RetentionOptions> options,
    TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            List<(Guid Id, int Days)> tenants;
            try
            {
                await using var db = factory.CreateRoutine("retention: every tenant's retention period");
                tenants = [.. (await db.Tenants.AsNoTracking().Select(t => new { t.Id, t.RetentionDays }).ToListAsync(stoppingToken))
                    .Select(t => (t.Id, t.RetentionDays))];
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogListFailed(logger, ex);
                continue;
            }
            foreach (var (tenantId, days) in tenants)
            {
                try
                {
                    await sweep.ApplyAsync(tenantId, days, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogTenantFailed(logger, tenantId, ex);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention: the tenant list could not be read; trying again at the next interval")]
    private static partial void LogListFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention of tenant {TenantId} failed; it resumes at the next interval")]
    private static partial void LogTenantFailed(ILogger logger, Guid tenantId, Exception exception);
}
