using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Persistence;
using StackExchange.Redis;

namespace OmniChat.Core.Caching;

/// <summary>Registers Redis (<c>ConnectionStrings:redis</c>) in a service.</summary>
public static class RedisExtensions
{
    /// <summary>Adds a shared <see cref="IConnectionMultiplexer"/> and a Redis readiness check.</summary>
    public static IHostApplicationBuilder AddOmniChatRedis(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRequiredConnectionString(ResourceNames.Redis, "REDIS_URL");
        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(
                sp.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.Redis) ?? "");
            // Start even while Redis is down; the readiness check reports it and the multiplexer reconnects.
            options.AbortOnConnectFail = false;
            options.ClientName ??= AppDomain.CurrentDomain.FriendlyName;
            // Complete on the .NET thread pool rather than the library's own dedicated threads, which spin while
            // they wait for work: a CPU trace of the Api under bench scenario 8 showed them spinning on two cores.
            options.SocketManager ??= SocketManager.ThreadPool;
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>(ResourceNames.Redis, tags: [PersistenceExtensions.ReadyTag]);
        return builder;
    }
}

internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is not reachable.");
        }
    }
}
