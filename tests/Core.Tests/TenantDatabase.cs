using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core.Conversations;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>A fresh seeded database with the two seeded tenants, and ways to open contexts and raw connections on it.</summary>
public sealed class TenantDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _app;
    private readonly NpgsqlDataSource _system;

    private TenantDatabase(DatabaseConnections connections, SeedResult seed)
    {
        Connections = connections;
        TenantA = ToInfo(seed.Tenants[0]);
        TenantB = ToInfo(seed.Tenants[1]);
        _app = PersistenceExtensions.BuildDataSource(connections.App);
        _system = PersistenceExtensions.BuildDataSource(connections.System);
    }

    public DatabaseConnections Connections { get; }

    /// <summary>The seeded <c>default</c> tenant.</summary>
    public TenantInfo TenantA { get; }

    /// <summary>The seeded <c>demo</c> tenant.</summary>
    public TenantInfo TenantB { get; }

    public NpgsqlDataSource AppDataSource => _app;

    public static async Task<TenantDatabase> CreateAsync(ServersFixture servers)
    {
        var (connections, seed) = await servers.CreateDatabaseAsync();
        return new TenantDatabase(connections, seed);
    }

    /// <summary>A context as the application role, bound to <paramref name="tenant"/> (or to no tenant).</summary>
    public OmniChatDbContext ForTenant(TenantInfo? tenant)
    {
        var options = new DbContextOptionsBuilder<OmniChatDbContext>();
        PersistenceExtensions.ConfigureDbContext(options, _app);
        return new OmniChatDbContext(options.Options, tenant is null ? new TenantContext() : new TenantContext(tenant));
    }

    /// <summary>A context as the application role whose tenant is whatever <paramref name="context"/> is set to (by the code under test).</summary>
    public OmniChatDbContext ForContext(ITenantContext context)
    {
        var options = new DbContextOptionsBuilder<OmniChatDbContext>();
        PersistenceExtensions.ConfigureDbContext(options, _app);
        return new OmniChatDbContext(options.Options, context);
    }

    /// <summary>The logged system scope's factory, as the Workers and the portal have it.</summary>
    public SystemDbContextFactory SystemFactory() => SystemDbContextFactory.Over(_system);

    public SystemDbContext ForSystem() => SystemFactory().Create("test arrangement");

    /// <summary>Inserts a conversation for <paramref name="tenant"/> through the system scope.</summary>
    public async Task<Conversation> AddConversationAsync(TenantInfo tenant, string name)
    {
        await using var db = ForSystem();
        var now = DateTimeOffset.UtcNow;
        var conversation = new Conversation { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = name, CreatedAt = now, UpdatedAt = now };
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync();
        return conversation;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _system.DisposeAsync();
    }

    private static TenantInfo ToInfo(CredentialTenant tenant) =>
        new(tenant.Id, tenant.Identifier, tenant.Name, TenantStatus.Active, Plan.BusinessId);
}
