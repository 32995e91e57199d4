using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace OmniChat.Core.Events;

/// <summary>Why a stream could not open: the tenant's or the API key's streams are all in use.</summary>
public enum EventStreamRefusal
{
    /// <summary>The tenant holds <see cref="EventStreamOptions.MaxPerTenant"/> streams.</summary>
    TenantFull = 1,

    /// <summary>The API key holds <see cref="EventStreamOptions.MaxPerApiKey"/> streams.</summary>
    ApiKeyFull = 2,
}

/// <summary>
/// Caps open event streams (SSE and agent sockets) per tenant and per API key across all instances. Each open stream
/// holds a slot in a Redis sorted set scored by its lease's end; the slot is renewed while the stream lives and
/// removed when it closes, and the slots of a crashed instance lapse on their own. When Redis is unreachable streams
/// open without a slot (as the rate limiter lets requests through), since Redis-down already means degraded service.
/// </summary>
public sealed partial class EventStreamSlots(IConnectionMultiplexer redis, IOptions<EventStreamOptions> options, TimeProvider time,
    ILogger<EventStreamSlots> logger)
{
    private const string KeyPrefix = "omnichat:streams:";

    // KEYS: tenant set, then optionally the key's set. ARGV: now (ms), lease end (ms), member, tenant max, key max, lease (ms).
    private const string AcquireScript = """
        for i = 1, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1]) end
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
        if #KEYS > 1 and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
        for i = 1, #KEYS do
          redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
          redis.call('PEXPIRE', KEYS[i], ARGV[6])
        end
        return 0
        """;

    private const string RenewScript = """
        for i = 1, #KEYS do
          redis.call('ZADD', KEYS[i], 'XX', ARGV[1], ARGV[2])
          redis.call('PEXPIRE', KEYS[i], ARGV[3])
        end
        return 0
        """;

    private readonly EventStreamOptions _options = options.Value;
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Takes a slot for a stream of <paramref name="tenantId"/> opened with API key <paramref name="apiKey"/> (null when
    /// the stream has no key). Returns the slot (dispose it when the stream closes) or the reason there is none.
    /// </summary>
    public async Task<(IAsyncDisposable? Slot, EventStreamRefusal? Refusal)> TryAcquireAsync(Guid tenantId, string? apiKey)
    {
        // One hash tag per tenant keeps both sets in one Redis Cluster slot, as a script needs.
        RedisKey[] keys = apiKey is null
            ? [$"{KeyPrefix}{{{tenantId:N}}}"]
            : [$"{KeyPrefix}{{{tenantId:N}}}", $"{KeyPrefix}{{{tenantId:N}}}:key:{apiKey}"];
        var member = Guid.NewGuid().ToString("N");
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lease = (long)_options.SlotLease.TotalMilliseconds;
        try
        {
            var result = (long)await _redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys,
                [now, now + lease, member, _options.MaxPerTenant, _options.MaxPerApiKey, lease]);
            return result switch
            {
                0 => (new Slot(this, keys, member), null),
                1 => (null, EventStreamRefusal.TenantFull),
                _ => (null, EventStreamRefusal.ApiKeyFull),
            };
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogSlotsUnavailable(_logger, ex);
            return (new Slot(this, [], member), null);
        }
    }

    /// <summary>The problem detail of a refusal.</summary>
    public string Describe(EventStreamRefusal refusal) => refusal == EventStreamRefusal.TenantFull
        ? string.Create(CultureInfo.InvariantCulture, $"The tenant already has {_options.MaxPerTenant} open event streams; close one first.")
        : string.Create(CultureInfo.InvariantCulture, $"This API key already has {_options.MaxPerApiKey} open event streams; close one first.");

    private sealed class Slot : IAsyncDisposable
    {
        private readonly EventStreamSlots _slots;
        private readonly RedisKey[] _keys;
        private readonly string _member;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public Slot(EventStreamSlots slots, RedisKey[] keys, string member)
        {
            _slots = slots;
            _keys = keys;
            _member = member;
            _renewing = keys.Length == 0 ? Task.CompletedTask : RenewAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
            _stop.Dispose();
            if (_keys.Length == 0)
            {
                return;
            }
            try
            {
                var db = _slots._redis.GetDatabase();
                foreach (var key in _keys)
                {
                    await db.SortedSetRemoveAsync(key, _member, CommandFlags.FireAndForget);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The slot lapses with its lease.
                LogSlotsUnavailable(_slots._logger, ex);
            }
        }

        private async Task RenewAsync()
        {
            var lease = _slots._options.SlotLease;
            using var timer = new PeriodicTimer(lease / 3, _slots._time);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    try
                    {
                        var end = _slots._time.GetUtcNow().ToUnixTimeMilliseconds() + (long)lease.TotalMilliseconds;
                        await _slots._redis.GetDatabase().ScriptEvaluateAsync(RenewScript, _keys, [end, _member, (long)lease.TotalMilliseconds]);
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                        LogSlotsUnavailable(_slots._logger, ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The stream closed.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event stream slots unavailable (Redis); the stream opens without one")]
    private static partial void LogSlotsUnavailable(ILogger logger, Exception exception);
}
