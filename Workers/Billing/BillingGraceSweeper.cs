using Microsoft.Extensions.Options;
using OmniChat.Core.Billing;

namespace OmniChat.Workers.Billing;

/// <summary>
/// Every <see cref="BillingOptions.SweepInterval"/>, suspends the tenants whose grace period after a failed payment ran out
/// (<see cref="BillingSuspension"/>). A failed sweep is logged and tried again at the next tick.
/// </summary>
internal sealed partial class BillingGraceSweeper(BillingSuspension suspension, IOptions<BillingOptions> options, TimeProvider time,
    ILogger<BillingGraceSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await suspension.SuspendOverdueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The billing grace sweep failed; it runs again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
