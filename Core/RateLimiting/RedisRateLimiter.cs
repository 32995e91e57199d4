using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OmniChat.Core.RateLimiting;

/// <summary>One token bucket: <paramref name="Key"/> holds up to <paramref name="Capacity"/> tokens, refilled at
/// <paramref name="PerMinute"/> tokens a minute (fractions allowed: a bucket may refill slower than one token a minute).</summary>
public sealed record RateLimitBucket(string Key, int Capacity, double PerMinute)
{
    /// <summary>A bucket of <paramref name="capacity"/> tokens that refills all of them, evenly, over <paramref name="refillPeriod"/>.</summary>
    public static RateLimitBucket Refilling(string key, int capacity, TimeSpan refillPeriod) =>
        new(key, capacity, capacity / refillPeriod.TotalMinutes);
}

/// <summary>The verdict on a request: allowed, or refused with the time until it would be.</summary>
public sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static readonly RateLimitDecision Allow = new(true, TimeSpan.Zero);
}

/// <summary>
/// Token buckets in Redis, checked and consumed atomically by one Lua script per request: either every bucket has a
/// token and all are charged, or none is and the caller learns how long to wait. Redis's own clock is used, so several
/// Api instances share the limits exactly. When Redis is unreachable the limiter lets traffic through (and logs it):
/// rate limiting protects the platform, it must not take it down.
/// </summary>
public sealed partial class RedisRateLimiter(IConnectionMultiplexer redis, ILogger<RedisRateLimiter> logger)
{
    private const string KeyPrefix = "omnichat:rl:";

    // One token a week: the slowest refill a bucket can have (keeps the script's divisions finite).
    private const double MinPerMinute = 1.0 / (7 * 24 * 60);

    // KEYS: the buckets; ARGV: capacity and refill per minute of each, in order. Returns 0, or milliseconds to wait.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local n = #KEYS
        local tokens = {}
        local wait = 0
        for i = 1, n do
          local capacity = tonumber(ARGV[2 * i - 1])
          local rate = tonumber(ARGV[2 * i]) / 60000
          local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
          local available = tonumber(state[1])
          local ts = tonumber(state[2])
          if available == nil or ts == nil then
            available = capacity
            ts = now
          end
          available = math.min(capacity, available + math.max(0, now - ts) * rate)
          tokens[i] = available
          if available < 1 then
            wait = math.max(wait, math.ceil((1 - available) / rate))
          end
        end
        for i = 1, n do
          local capacity = tonumber(ARGV[2 * i - 1])
          local rate = tonumber(ARGV[2 * i]) / 60000
          local left = tokens[i]
          if wait == 0 then left = left - 1 end
          redis.call('HSET', KEYS[i], 'tokens', tostring(left), 'ts', tostring(now))
          redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate) + 1000)
        end
        return wait
        """;

    /// <summary>Charges one token from every bucket, or none when any is empty.</summary>
    public async Task<RateLimitDecision> AcquireAsync(IReadOnlyList<RateLimitBucket> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (buckets.Count == 0)
        {
            return RateLimitDecision.Allow;
        }
        var keys = buckets.Select(b => (RedisKey)(KeyPrefix + b.Key)).ToArray();
        var args = buckets.SelectMany(b => new RedisValue[]
        {
            Math.Max(1, b.Capacity).ToString(CultureInfo.InvariantCulture),
            Math.Max(MinPerMinute, b.PerMinute).ToString("R", CultureInfo.InvariantCulture),
        }).ToArray();
        try
        {
            var waitMs = (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, keys, args);
            return waitMs <= 0 ? RateLimitDecision.Allow : new RateLimitDecision(false, TimeSpan.FromMilliseconds(waitMs));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogLimiterUnavailable(logger, ex);
            return RateLimitDecision.Allow;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limiter unavailable (Redis); letting the request through")]
    private static partial void LogLimiterUnavailable(ILogger logger, Exception exception);
}
