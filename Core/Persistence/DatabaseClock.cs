namespace OmniChat.Core.Persistence;

/// <summary>The current time as PostgreSQL stores it.</summary>
public static class DatabaseClock
{
    /// <summary>
    /// Now, rounded down to the microseconds a <c>timestamptz</c> keeps, so that a time a write answers with equals what a
    /// later read of the same row returns.
    /// </summary>
    public static DateTimeOffset GetDatabaseNow(this TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero);
    }
}
