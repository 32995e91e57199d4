using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core.Conversations;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>The two tenancy walls: the EF query filter with SaveChanges enforcement, and PostgreSQL row-level security.</summary>
public sealed class TenantIsolationShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task HideAnotherTenantsRowsFromTheQueryFilter()
    {
        var own = await _db.AddConversationAsync(_db.TenantA, "mine");
        await _db.AddConversationAsync(_db.TenantB, "theirs");

        await using var context = _db.ForTenant(_db.TenantA);
        var visible = await context.Conversations.Select(c => c.Id).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal([own.Id], visible);
    }

    [Fact]
    public async Task KeepRowLevelSecurityWhenTheQueryFilterIsIgnored()
    {
        await _db.AddConversationAsync(_db.TenantA, "mine");
        await _db.AddConversationAsync(_db.TenantB, "theirs");

        await using var context = _db.ForTenant(_db.TenantA);
        var tenants = await context.Conversations.IgnoreQueryFilters([Persistence.OmniChatDbContext.TenantFilter])
            .Select(c => c.TenantId).Distinct().ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal([_db.TenantA.Id], tenants);
    }

    [Fact]
    public async Task RefuseToSaveARowOfAnotherTenant()
    {
        await using var context = _db.ForTenant(_db.TenantA);
        var now = DateTimeOffset.UtcNow;
        context.Conversations.Add(new Conversation { Id = Guid.CreateVersion7(), TenantId = _db.TenantB.Id, Name = "smuggled", CreatedAt = now, UpdatedAt = now });

        await Assert.ThrowsAsync<CrossTenantWriteException>(() => context.SaveChangesAsync(TestContext.Current.CancellationToken));

        await using var system = _db.ForSystem();
        Assert.False(await system.Conversations.AnyAsync(c => c.Name == "smuggled", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RefuseToMoveARowToAnotherTenant()
    {
        var ct = TestContext.Current.CancellationToken;
        var own = await _db.AddConversationAsync(_db.TenantA, "mine");
        await using (var context = _db.ForTenant(_db.TenantA))
        {
            var tracked = await context.Conversations.SingleAsync(c => c.Id == own.Id, ct);
            tracked.TenantId = _db.TenantB.Id;

            // The tenant is part of a conversation's key (ADR 0011): EF refuses the change before our own check runs.
            await Assert.ThrowsAnyAsync<InvalidOperationException>(() => context.SaveChangesAsync(ct));
        }
        await using (var context = _db.ForTenant(_db.TenantA))
        {
            var message = new Messages.Message { Id = Guid.CreateVersion7(), ConversationId = own.Id, Seq = 1, Text = "mine", CreatedAt = DateTimeOffset.UtcNow };
            context.Messages.Add(message);
            await context.SaveChangesAsync(ct);
            message.TenantId = _db.TenantB.Id;

            await Assert.ThrowsAsync<CrossTenantWriteException>(() => context.SaveChangesAsync(ct));
        }

        await using var system = _db.ForSystem();
        Assert.Equal(_db.TenantA.Id, (await system.Conversations.SingleAsync(c => c.Id == own.Id, ct)).TenantId);
        Assert.Equal([_db.TenantA.Id], await system.Messages.Where(m => m.ConversationId == own.Id).Select(m => m.TenantId).ToListAsync(ct));
    }

    [Fact]
    public async Task StampTheCurrentTenantOnNewRows()
    {
        await using (var context = _db.ForTenant(_db.TenantB))
        {
            var now = DateTimeOffset.UtcNow;
            context.Conversations.Add(new Conversation { Id = Guid.CreateVersion7(), Name = "stamped", CreatedAt = now, UpdatedAt = now });
            await context.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await using var system = _db.ForSystem();
        var saved = await system.Conversations.SingleAsync(c => c.Name == "stamped", TestContext.Current.CancellationToken);
        Assert.Equal(_db.TenantB.Id, saved.TenantId);
    }

    [Fact]
    public async Task RefuseWritesWithoutATenant()
    {
        await using var context = _db.ForTenant(null);
        var now = DateTimeOffset.UtcNow;
        context.Conversations.Add(new Conversation { Id = Guid.CreateVersion7(), Name = "orphan", CreatedAt = now, UpdatedAt = now });

        await Assert.ThrowsAsync<TenantNotResolvedException>(() => context.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SeeNoRowsWithoutATenant()
    {
        await _db.AddConversationAsync(_db.TenantA, "mine");

        await using var context = _db.ForTenant(null);

        Assert.Equal(0, await context.Conversations.IgnoreQueryFilters().CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await context.Tenants.IgnoreQueryFilters().CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await context.ApiKeys.IgnoreQueryFilters().CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task LetTheSystemScopeSeeEveryTenant()
    {
        await _db.AddConversationAsync(_db.TenantA, "a");
        await _db.AddConversationAsync(_db.TenantB, "b");

        await using var system = _db.ForSystem();
        var tenants = await system.Conversations.Select(c => c.TenantId).Distinct().CountAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, tenants);
    }

    [Fact]
    public async Task StopRawSqlOfTheApplicationRoleAtTheTenantBoundary()
    {
        var theirs = await _db.AddConversationAsync(_db.TenantB, "theirs");
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(ct);
        await Execute(connection, $"SET app.tenant_id = '{_db.TenantA.Id}'");

        var read = await Scalar<long>(connection, $"SELECT count(*) FROM conversations WHERE tenant_id = '{_db.TenantB.Id}'");
        var updated = await Execute(connection, $"UPDATE conversations SET name = 'hijacked' WHERE id = '{theirs.Id}'");
        var deleted = await Execute(connection, $"DELETE FROM conversations WHERE id = '{theirs.Id}'");
        var insert = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection,
            $"INSERT INTO conversations (id, tenant_id, status, last_seq, channel, interface, created_at, updated_at) " +
            $"VALUES (gen_random_uuid(), '{_db.TenantB.Id}', 'Open', 0, 'web', 'widget', now(), now())"));

        Assert.Equal(0, read);
        Assert.Equal(0, updated);
        Assert.Equal(0, deleted);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        await using var system = _db.ForSystem();
        Assert.Equal("theirs", (await system.Conversations.SingleAsync(c => c.Id == theirs.Id, ct)).Name);
    }

    [Fact]
    public async Task ShowTheApplicationRoleNothingWhenNoTenantIsSet()
    {
        await _db.AddConversationAsync(_db.TenantA, "mine");
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);

        var count = await Scalar<long>(connection, $"SELECT count(*) FROM conversations WHERE tenant_id = '{_db.TenantA.Id}'");

        Assert.Equal(0, count);
    }

    [Fact]
    public async Task EnableAndForceRowLevelSecurityOnEveryTableWithATenantColumn()
    {
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN information_schema.columns col ON col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'tenant_id'
            WHERE c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            """, connection);
        var unprotected = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                unprotected.Add(reader.GetString(0));
            }
        }
        var tenantTables = await Scalar<long>(connection,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'");

        Assert.Empty(unprotected);
        Assert.True(tenantTables >= 10, $"expected the tenant-owned tables, found {tenantTables}");
    }

    [Fact]
    public async Task GiveTheApplicationRoleOwnershipOfNoTable()
    {
        await using var connection = await _db.AppDataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);

        var owned = await Scalar<long>(connection, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user");
        var bypass = await Scalar<bool>(connection, "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user");

        Assert.Equal(0, owned);
        Assert.False(bypass);
    }

    private static async Task<int> Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
