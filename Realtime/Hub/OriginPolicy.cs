using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// Which browser origins may open sockets. A request without <c>Origin</c> is not a browser's (integrations, servers)
/// and passes; a browser's Origin must be on the allowlist. An empty allowlist means same origin only, or any origin in
/// Development.
/// </summary>
internal sealed class OriginPolicy(NpgsqlDataSource dataSource, IHostEnvironment environment, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, (string[] Origins, DateTimeOffset Expires)> _tenantOrigins = new();

    /// <summary>Whether <paramref name="origin"/> (empty when absent) passes <paramref name="allowlist"/> for a request to <paramref name="host"/>.</summary>
    public bool Allows(string origin, string? host, IReadOnlyCollection<string> allowlist)
    {
        if (origin.Length == 0)
        {
            return true;
        }
        if (allowlist.Count > 0)
        {
            return allowlist.Any(allowed => allowed == "*" || string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
        }
        if (environment.IsDevelopment())
        {
            return true;
        }
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The tenant's allowlist (<c>tenants.allowed_origins</c>), cached for a few seconds.</summary>
    public async Task<string[]> TenantAllowlistAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_tenantOrigins.TryGetValue(tenantId, out var cached) && cached.Expires > now)
        {
            return cached.Origins;
        }
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT allowed_origins FROM tenants WHERE id = $1")
        {
            Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var origins = await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<string[]>(0) : [];
        _tenantOrigins[tenantId] = (origins, now + CacheFor);
        return origins;
    }
}
