using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// Every table is a decision: tenant-owned under forced row-level security, or platform-wide with exactly the privileges
/// listed here for the application role. The provisioner's default privileges grant the application role full DML on
/// every new table, so a table added without a decision fails here.
/// </summary>
public sealed class TablePrivilegesShould(ServersFixture servers) : IAsyncLifetime
{
    private static readonly string[] Dml = ["SELECT", "INSERT", "UPDATE", "DELETE"];
    private static readonly string[] AllPrivileges = [.. Dml, "TRUNCATE", "REFERENCES", "TRIGGER"];

    // Platform-wide tables and what the application role may do to each. Credentials are never its to read: look-ups
    // before a tenant is known go through SECURITY DEFINER functions or the logged system scope.
    private static readonly Dictionary<string, string[]> PlatformWide = new()
    {
        ["__ef_migrations_history"] = ["SELECT"],
        ["plans"] = ["SELECT"],
        // Data Protection keys, each wrapped with the key-encryption key (ADR 0023): services read the ring and add keys.
        ["data_protection_keys"] = ["SELECT", "INSERT"],
        ["users"] = [],
        ["roles"] = [],
        ["user_roles"] = [],
        ["user_claims"] = [],
        ["user_logins"] = [],
        ["user_tokens"] = [],
        ["role_claims"] = [],
    };

    private TenantDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListEveryTableAsTenantOwnedUnderRowLevelSecurityOrAsPlatformWideWithItsExactPrivileges()
    {
        var tables = await ReadCatalogAsync();
        var problems = new List<string>();
        foreach (var table in tables)
        {
            if (PlatformWide.TryGetValue(table.Name, out var allowed))
            {
                if (!table.AppPrivileges.Order().SequenceEqual(allowed.Order()))
                {
                    problems.Add($"{table.Name}: the application role has [{string.Join(", ", table.AppPrivileges)}], expected [{string.Join(", ", allowed)}]");
                }
            }
            else if (!table.HasTenantColumn || !table.RowSecurity || !table.ForceRowSecurity || table.Policies == 0)
            {
                problems.Add($"{table.Name}: neither tenant-owned under forced row-level security nor listed as platform-wide");
            }
            else if (table.AppPrivileges.Except(Dml).Any())
            {
                // TRUNCATE and triggers are not subject to row-level security.
                problems.Add($"{table.Name}: the application role has [{string.Join(", ", table.AppPrivileges)}] on a tenant-owned table");
            }
        }

        Assert.Empty(problems);
        Assert.All(PlatformWide.Keys, name => Assert.Contains(tables, t => t.Name == name));
    }

    [Fact]
    public async Task DenyTheApplicationRoleThePasswordHashes()
    {
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT password_hash FROM users", connection);

        var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync(Ct));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task LetTheApplicationRoleReadPlansButNotChangeThem()
    {
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var read = new NpgsqlCommand("SELECT count(*) FROM plans", connection);
        await using var update = new NpgsqlCommand("UPDATE plans SET api_requests_per_minute = 2000000000", connection);

        var plans = (long)(await read.ExecuteScalarAsync(Ct))!;
        var denied = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync(Ct));

        Assert.True(plans > 0);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task GiveTheDefaultPrivilegesBackWhenTheMigrationIsReverted()
    {
        await using var owner = PersistenceExtensions.BuildDataSource(_db.Connections.Owner);
        var options = new DbContextOptionsBuilder<OmniChatDbContext>();
        PersistenceExtensions.ConfigureDbContext(options, owner);
        await using var context = new OmniChatDbContext(options.Options, new TenantContext());
        var migrations = context.Database.GetMigrations().ToList();
        var before = migrations[migrations.FindIndex(m => m.EndsWith("_PlatformTablePrivileges", StringComparison.Ordinal)) - 1];

        await context.GetService<IMigrator>().MigrateAsync(before, Ct);
        var reverted = await AppPrivilegesAsync("users");
        await context.Database.MigrateAsync(Ct);
        var reapplied = await AppPrivilegesAsync("users");

        Assert.Equal(["DELETE", "INSERT", "SELECT", "UPDATE"], reverted.Order());
        Assert.Empty(reapplied);
    }

    private async Task<string[]> AppPrivilegesAsync(string table) =>
        (await ReadCatalogAsync()).Single(t => t.Name == table).AppPrivileges;

    private async Task<List<TableFacts>> ReadCatalogAsync()
    {
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                     OR c.relname = 'tenants',
                   ARRAY(SELECT p FROM unnest(@privileges::text[]) p WHERE has_table_privilege(c.oid, p))
            FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """, connection)
        {
            Parameters = { new("privileges", AllPrivileges) },
        };
        var tables = new List<TableFacts>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            tables.Add(new TableFacts(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetInt64(3), reader.GetBoolean(4),
                reader.GetFieldValue<string[]>(5)));
        }
        return tables;
    }

    private sealed record TableFacts(string Name, bool RowSecurity, bool ForceRowSecurity, long Policies, bool HasTenantColumn, string[] AppPrivileges);
}
