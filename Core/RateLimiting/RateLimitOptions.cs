using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.RateLimiting;

/// <summary>Limits that are not part of a plan (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests a minute from one client IP address.</summary>
    public int PerIpPerMinute { get; set; } = 1200;

    /// <summary>Messages a minute into one conversation.</summary>
    public int PerConversationPerMinute { get; set; } = 120;

    /// <summary>
    /// The share of the tenant's plan limit (requests a minute) that one API key may use, so that one runaway
    /// integration can be held below the tenant's whole budget. 1 (the default) gives every key the plan's limit.
    /// </summary>
    public double ApiKeyShare { get; set; } = 1.0;

    /// <summary>
    /// How long an empty bucket takes to refill completely. Limits are stated per minute and refill over a minute;
    /// a longer period keeps the same bursts but refills slower (tests use hours, so that what they see does not depend
    /// on how fast the machine sends).
    /// </summary>
    public TimeSpan RefillPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The bucket of one API key of a tenant whose plan allows <paramref name="tenantPerMinute"/>.</summary>
    public int ApiKeyCapacity(int tenantPerMinute) => Math.Max(1, (int)Math.Ceiling(tenantPerMinute * ApiKeyShare));
}

/// <summary>The plans' limits, read from PostgreSQL and kept for a minute.</summary>
public sealed class PlanCatalog(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile IReadOnlyDictionary<string, Plan>? _plans;
    private DateTimeOffset _loadedAt;

    /// <summary>The plan with <paramref name="planId"/>, or the free plan's limits when it is unknown.</summary>
    public async Task<Plan> GetAsync(string planId, CancellationToken cancellationToken)
    {
        var plans = _plans;
        if (plans is null || time.GetUtcNow() - _loadedAt > Freshness)
        {
            await _refresh.WaitAsync(cancellationToken);
            try
            {
                if (_plans is null || time.GetUtcNow() - _loadedAt > Freshness)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<OmniChatDbContext>();
                    _plans = await db.Plans.AsNoTracking().ToDictionaryAsync(p => p.Id, cancellationToken);
                    _loadedAt = time.GetUtcNow();
                }
                plans = _plans;
            }
            finally
            {
                _refresh.Release();
            }
        }
        return plans.TryGetValue(planId, out var plan) ? plan : Plan.Defaults[0];
    }

    public void Dispose() => _refresh.Dispose();
}

/// <summary>Registers the Redis rate limiter and plan catalog.</summary>
public static class RateLimitingExtensions
{
    public static IHostApplicationBuilder AddOmniChatRateLimiting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits")
            .Validate(o => o.PerIpPerMinute > 0 && o.PerConversationPerMinute > 0, "RateLimits values must be positive")
            .Validate(o => o.ApiKeyShare is > 0 and <= 1, "RateLimits:ApiKeyShare must be above 0 and at most 1")
            .Validate(o => o.RefillPeriod >= TimeSpan.FromSeconds(1) && o.RefillPeriod <= TimeSpan.FromDays(1), "RateLimits:RefillPeriod must be between one second and one day")
            .ValidateOnStart();
        builder.Services.AddSingleton<RedisRateLimiter>();
        builder.Services.AddSingleton<PlanCatalog>();
        return builder;
    }
}
