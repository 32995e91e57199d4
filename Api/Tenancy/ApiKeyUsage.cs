using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// Records when each API key was last used, at most once a minute per key and instance, so busy keys do not turn
/// every request into a write.
/// </summary>
internal sealed class ApiKeyUsage(NpgsqlDataSource dataSource, TimeProvider time)
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _touched = new();

    public async Task TouchAsync(Guid tenantId, Guid apiKeyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_touched.TryGetValue(apiKeyId, out var last) && now - last < Resolution)
        {
            return;
        }
        _touched[apiKeyId] = now;
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = apiKeyId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
