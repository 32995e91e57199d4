using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniChat.Core.Audit;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Billing;

/// <summary>
/// Suspends tenants whose grace period after a failed payment ran out (the Workers call <see cref="SuspendOverdueAsync"/>
/// every <see cref="BillingOptions.SweepInterval"/>). One conditional update, so a payment that lands at the same moment
/// either comes first (the grace is gone, nothing happens) or resumes the tenant after.
/// </summary>
public sealed partial class BillingSuspension(SystemDbContextFactory factory, TimeProvider time, ILogger<BillingSuspension> logger)
{
    /// <summary>Marks <paramref name="row"/> suspended for billing.</summary>
    public static void Suspend(Tenant row, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        row.Status = TenantStatus.Suspended;
        row.SuspendedFor = SuspensionCause.Billing;
        row.UpdatedAt = now;
    }

    /// <summary>Suspends every active tenant whose grace period ended by now; returns how many.</summary>
    public async Task<int> SuspendOverdueAsync(CancellationToken cancellationToken)
    {
        await using var db = factory.CreateRoutine("billing: suspend tenants whose grace period ran out");
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var suspended = await db.Database.SqlQuery<Guid>($"""
            UPDATE tenants SET status = 'Suspended', suspended_for = 'Billing', updated_at = {now}
            WHERE status = 'Active' AND billing_grace_until IS NOT NULL AND billing_grace_until <= {now}
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        foreach (var tenantId in suspended)
        {
            db.AuditEntries.Add(AuditEntry.Create(AuditActor.SystemActor, "tenant.suspended", "tenant",
                tenantId.ToString(), now, new Dictionary<string, object?> { ["cause"] = "billing" }, tenantId));
            LogSuspended(logger, tenantId);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return suspended.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} suspended: its grace period after a failed payment ran out")]
    private static partial void LogSuspended(ILogger logger, Guid tenantId);
}
