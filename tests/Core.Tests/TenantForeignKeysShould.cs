using Npgsql;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// Foreign keys between tenant-owned tables include the tenant. A foreign-key check runs without row-level security, so
/// a key on the id alone would let a row of tenant A point at a row of tenant B that A cannot even see.
/// </summary>
public sealed class TenantForeignKeysShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RefuseAMessageOfOneTenantInAnotherTenantsConversation()
    {
        var theirs = await _db.AddConversationAsync(_db.TenantB, "theirs");
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT set_config('app.tenant_id', @tenant::text, false);
            INSERT INTO messages (id, tenant_id, conversation_id, seq, direction, text, channel, interface, created_at)
            VALUES (gen_random_uuid(), @tenant, @conversation, 1, 'Inbound', 'smuggled', 'web', 'widget', now());
            """, connection)
        {
            Parameters = { new("tenant", _db.TenantA.Id), new("conversation", theirs.Id) },
        };

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);
    }

    [Fact]
    public async Task IncludeTheTenantInEveryForeignKeyBetweenTenantOwnedTables()
    {
        await using var connection = new NpgsqlConnection(_db.Connections.Owner);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT c.conname, array_agg(a.attname::text ORDER BY a.attname)
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f'
              AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.conrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
              AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.confrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
            GROUP BY c.conname
            """, connection);
        var keys = new List<(string Name, string[] Columns)>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                keys.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
            }
        }

        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.True(key.Columns.Contains("tenant_id"), $"{key.Name} ({string.Join(", ", key.Columns)}) leaves the tenant out"));
    }
}
