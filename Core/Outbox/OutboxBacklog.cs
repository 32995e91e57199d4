using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Outbox;

/// <summary>
/// How far the outbox dispatcher is behind, across tenants: the rows not yet published and the age of the oldest of
/// them (the lag). Read on the logged system scope, with the operator named in the reason.
/// </summary>
public sealed class OutboxBacklog(SystemDbContextFactory factory, TimeProvider time)
{
    /// <summary>The backlog now.</summary>
    public async Task<OutboxLag> ReadAsync(string operatorName, CancellationToken cancellationToken)
    {
        await using var db = factory.Create($"operator {operatorName}: outbox lag");
        var unsent = db.OutboxMessages.AsNoTracking().Where(o => o.SentAt == null);
        var pending = await unsent.CountAsync(cancellationToken);
        var oldest = pending == 0 ? null : await unsent.MinAsync(o => (DateTimeOffset?)o.CreatedAt, cancellationToken);
        var failing = pending == 0 ? 0 : await unsent.CountAsync(o => o.Attempts > 0, cancellationToken);
        var now = time.GetUtcNow();
        return new OutboxLag(pending, failing, oldest, oldest is { } at ? (now - at).Duration() : TimeSpan.Zero);
    }
}

/// <summary>Unpublished outbox rows (<paramref name="Failing"/> of them tried and failed before), the oldest one's time and its age.</summary>
public sealed record OutboxLag(int Pending, int Failing, DateTimeOffset? OldestCreatedAt, TimeSpan Lag);
