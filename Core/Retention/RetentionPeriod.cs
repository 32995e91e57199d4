using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Retention;

/// <summary>A tenant's retention period and what its latest run deleted (null before the first run that deleted anything).</summary>
public sealed record RetentionSetting(int Days, RetentionRun? LastRun);

/// <summary>What one retention run deleted, as its audit entry records it.</summary>
public sealed record RetentionRun(DateTimeOffset At, DateTimeOffset Cutoff, long Messages, long Attachments, long Conversations, long Customers);

/// <summary>
/// Reads and sets the current tenant's retention period (<c>tenants.retention_days</c>) in the tenant's own scope: the
/// one rule behind <c>PUT /v2/tenant/retention</c> and the portal's retention page. A change is audited with the old and
/// new number of days; setting the same number again changes and audits nothing.
/// </summary>
public sealed class RetentionPeriod(OmniChatDbContext db, TimeProvider time)
{
    /// <summary>The audit action a change writes.</summary>
    public const string ChangedAction = "tenant.retention_changed";

    /// <summary>The audit action each run that deleted something writes (<see cref="RetentionSweep"/>).</summary>
    public const string AppliedAction = "retention.applied";

    /// <summary>The period and the latest run that deleted something.</summary>
    public async Task<RetentionSetting> ReadAsync(CancellationToken cancellationToken)
    {
        var days = await db.Tenants.AsNoTracking().Select(t => t.RetentionDays).SingleAsync(cancellationToken);
        var last = await db.AuditEntries.AsNoTracking()
            .Where(a => a.Action == AppliedAction)
            .OrderByDescending(a => a.OccurredAt)
            .Select(a => new { a.OccurredAt, a.Details })
            .FirstOrDefaultAsync(cancellationToken);
        return new RetentionSetting(days, last is null ? null : Run(last.OccurredAt, last.Details));
    }

    /// <summary>
    /// Sets the period to <paramref name="days"/>; anything but a whole number from <see cref="RetentionSweep.MinDays"/>
    /// to <see cref="RetentionSweep.MaxDays"/> is a <see cref="ValidationException"/> on <c>days</c>.
    /// </summary>
    public async Task<int> SetAsync(int? days, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (days is not ({ } value and >= RetentionSweep.MinDays and <= RetentionSweep.MaxDays))
        {
            throw new ValidationException(new Dictionary<string, string[]>
            {
                ["days"] = [$"A whole number of days from {RetentionSweep.MinDays} to {RetentionSweep.MaxDays}."],
            });
        }
        var tenant = await db.Tenants.SingleAsync(cancellationToken);
        if (tenant.RetentionDays != value)
        {
            var now = time.GetUtcNow();
            db.AuditEntries.Add(AuditEntry.Create(actor, ChangedAction, "tenant", tenant.Id.ToString(), now,
                new Dictionary<string, object?> { ["from"] = tenant.RetentionDays, ["to"] = value }));
            tenant.RetentionDays = value;
            tenant.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }
        return value;
    }

    private static RetentionRun? Run(DateTimeOffset at, string? details)
    {
        if (details is null)
        {
            return null;
        }
        using var json = JsonDocument.Parse(details);
        var root = json.RootElement;
        long Count(string name) => root.TryGetProperty(name, out var count) && count.TryGetInt64(out var n) ? n : 0;
        var cutoff = root.TryGetProperty("cutoff", out var c) && c.TryGetDateTimeOffset(out var parsed) ? parsed : at;
        return new RetentionRun(at, cutoff, Count("messages"), Count("attachments"), Count("conversations"), Count("customers"));
    }
}
