using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OmniChat.Core.Usage;

/// <summary>
/// The Api's error answers per tenant and UTC day, for the tenant dashboard (<c>GET /v2/stats</c>): client errors (4xx) and
/// server errors (5xx) of the requests that resolved a tenant. Each tenant and day is one Redis hash
/// (<c>omnichat:api-errors:{tenant}:yyyyMMdd</c>, fields <c>4xx</c> and <c>5xx</c>) that lives <see cref="Retention"/> after
/// its last write. <see cref="Record"/> sends <c>HINCRBY</c> and <c>EXPIRE</c> fire-and-forget, so an answer waits for no
/// round trip; a count sent while Redis is unreachable is lost (the <c>omnichat_api_responses_total</c> metric still has
/// it). See docs/decisions/0037-api-errors-per-tenant-in-redis-day-hashes.md.
/// </summary>
public sealed partial class ApiErrorCounts(IConnectionMultiplexer redis, TimeProvider time, ILogger<ApiErrorCounts> logger)
{
    /// <summary>How long a day's counts are kept after the day's last error: longer than the longest range the dashboard reads.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(400);

    private const string KeyPrefix = "omnichat:api-errors:";
    private static readonly RedisValue ClientField = "4xx";
    private static readonly RedisValue ServerField = "5xx";
    private static readonly RedisValue[] Fields = [ClientField, ServerField];

    /// <summary>
    /// Counts an answer with <paramref name="status"/> for <paramref name="tenantId"/> on today's UTC day when it is an error
    /// (4xx or 5xx; anything above 5xx counts as 5xx, as the metric's status class does); other answers count nothing.
    /// Never waits for Redis and never throws for it.
    /// </summary>
    public void Record(Guid tenantId, int status)
    {
        if (status < 400)
        {
            return;
        }
        var key = Key(tenantId, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        try
        {
            var db = redis.GetDatabase();
            db.HashIncrement(key, status < 500 ? ClientField : ServerField, 1, CommandFlags.FireAndForget);
            db.KeyExpire(key, Retention, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogNotCounted(logger, ex);
        }
    }

    /// <summary>
    /// The counts of <paramref name="tenantId"/> on every UTC day that overlaps <c>[<paramref name="from"/>,
    /// <paramref name="to"/>)</c> (none for an empty range), read in one pipelined batch. Days are whole: a range that
    /// starts or ends inside a day counts that day's errors entirely.
    /// </summary>
    public async Task<ApiErrorTotals> ReadAsync(Guid tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (to <= from)
        {
            return new ApiErrorTotals(0, 0);
        }
        var first = DateOnly.FromDateTime(from.UtcDateTime);
        var last = DateOnly.FromDateTime(to.UtcDateTime.AddTicks(-1));
        if (last.DayNumber - first.DayNumber >= Retention.TotalDays)
        {
            throw new ArgumentOutOfRangeException(nameof(to), "The range covers more days than the counts are kept.");
        }

        var batch = redis.GetDatabase().CreateBatch();
        var reads = new List<Task<RedisValue[]>>(last.DayNumber - first.DayNumber + 1);
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            reads.Add(batch.HashGetAsync(Key(tenantId, day), Fields));
        }
        batch.Execute();
        var days = await Task.WhenAll(reads).WaitAsync(cancellationToken);

        long client = 0, server = 0;
        foreach (var values in days)
        {
            client += values[0].TryParse(out long c) ? c : 0;
            server += values[1].TryParse(out long s) ? s : 0;
        }
        return new ApiErrorTotals(client, server);
    }

    // The tenant is the hash tag: one tenant's days share a Redis Cluster slot, and no key is shared between tenants.
    private static RedisKey Key(Guid tenantId, DateOnly day) =>
        $"{KeyPrefix}{{{tenantId:N}}}:{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "An Api error could not be counted for its tenant (Redis)")]
    private static partial void LogNotCounted(ILogger logger, Exception exception);
}

/// <summary>A tenant's Api error answers over some days: <paramref name="ClientErrors"/> (4xx) and <paramref name="ServerErrors"/> (5xx).</summary>
public sealed record ApiErrorTotals(long ClientErrors, long ServerErrors);
