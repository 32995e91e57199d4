using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Outbox;

/// <summary>
/// How far the outbox dispatcher is behind, across tenants: the rows not yet published and the age of the oldest of
/// them (the lag). Read on the logged system scope, with the operator named in the reason.
/// </summary>
public sealed class OutboxBacklog(SystemDbContextFactory factory, TimeProvider time)
{
    /// <summary>The backlog now, for the operator <paramref name="operatorName"/>.</summary>
    public async Task<OutboxLag> ReadAsync(string operatorName, CancellationToken cancellationToken)
    {
        await using var db = factory.Create($"operator {operatorName}: outbox lag");
        return await ReadAsync(db, cancellationToken);
    }

    /// <summary>The backlog now, for the Workers' periodic gauges (a routine opening, logged at Debug).</summary>
    public async Task<OutboxLag> SampleAsync(CancellationToken cancellationToken)
    {
        await using var db = factory.CreateRoutine("metrics: outbox lag");
        return await ReadAsync(db, cancellationToken);
    }

    private async Task<OutboxLag> ReadAsync(SystemDbContext db, CancellationToken cancellationToken)
    {
        // One aggregate over the unsent rows (no group at all when there are none).
        var backlog = await db.OutboxMessages.AsNoTracking().Where(o => o.SentAt == null).GroupBy(o => 1)
            .Select(g => new { Pending = g.Count(), Failing = g.Count(o => o.Attempts > 0), Oldest = g.Min(o => (DateTimeOffset?)o.CreatedAt) })
            .SingleOrDefaultAsync(cancellationToken);
        var now = time.GetUtcNow();
        var oldest = backlog?.Oldest;
        return new OutboxLag(backlog?.Pending ?? 0, backlog?.Failing ?? 0, oldest, oldest is { } at ? (now - at).Duration() : TimeSpan.Zero);
    }
}

/// <summary>Unpublished outbox rows (<paramref name="Failing"/> of them tried and failed before), the oldest one's time and its age.</summary>
public sealed record OutboxLag(int Pending, int Failing, DateTimeOffset? OldestCreatedAt, TimeSpan Lag);
