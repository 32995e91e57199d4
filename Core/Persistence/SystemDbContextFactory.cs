using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Persistence;

/// <summary>
/// Opens the explicit system scope: a context over the <c>postgresSystem</c> connection (a role that bypasses row-level
/// security) whose query filters admit every tenant. Every opening is logged with its reason. Only platform work uses it:
/// seeding, the outbox dispatcher, the operator console.
/// </summary>
public sealed partial class SystemDbContextFactory(DbContextOptions<SystemDbContext> options, ILogger<SystemDbContextFactory> logger)
{
    /// <summary>
    /// A factory over <paramref name="dataSource"/> (a <c>postgresSystem</c> connection) for a process without the services'
    /// container: the AppHost's seeder, the Workers' <c>migrate</c> command, tests. The caller keeps the data source.
    /// </summary>
    public static SystemDbContextFactory Over(NpgsqlDataSource dataSource, ILogger<SystemDbContextFactory>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var options = new DbContextOptionsBuilder<SystemDbContext>();
        PersistenceExtensions.ConfigureDbContext(options, dataSource);
        return new SystemDbContextFactory(options.Options, logger ?? NullLogger<SystemDbContextFactory>.Instance);
    }

    /// <summary>Creates a system-scope context; <paramref name="reason"/> goes to the log.</summary>
    public SystemDbContext Create(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        LogSystemScope(logger, reason);
        return new SystemDbContext(options);
    }

    /// <summary>
    /// Creates a system-scope context opened for the same reason on every request (the portal's Identity stores, which
    /// touch only the Identity tables): logged at Debug, so the Information log keeps the openings worth reading.
    /// </summary>
    public SystemDbContext CreateRoutine(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        LogRoutineSystemScope(logger, reason);
        return new SystemDbContext(options);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Entering system scope (all tenants): {Reason}")]
    private static partial void LogSystemScope(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Entering system scope (all tenants), routine: {Reason}")]
    private static partial void LogRoutineSystemScope(ILogger logger, string reason);
}

/// <summary>A context in the system scope. Create it only through <see cref="SystemDbContextFactory"/>.</summary>
public sealed class SystemDbContext : OmniChatDbContext
{
    internal SystemDbContext(DbContextOptions<SystemDbContext> options)
        : base(options, new TenantContext(), systemScope: true)
    {
    }
}

/// <summary>
/// Raw Npgsql on the system role (row-level security bypassed), for platform loops that work across tenants by design
/// (the outbox dispatcher). Registered only where the system scope is (<c>withSystemScope</c>).
/// </summary>
public sealed class SystemDataSource(Npgsql.NpgsqlDataSource value) : IDisposable
{
    /// <summary>The data source.</summary>
    public Npgsql.NpgsqlDataSource Value => value;

    /// <inheritdoc />
    public void Dispose() => value.Dispose();
}
