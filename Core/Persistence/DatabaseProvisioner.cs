using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Persistence;

/// <summary>Passwords of the three database roles (alphanumeric: role DDL takes no parameters).</summary>
public sealed record RolePasswords(string Owner, string App, string System);

/// <summary>Connection strings of one provisioned database, one per role.</summary>
public sealed record DatabaseConnections(string Owner, string App, string System);

/// <summary>
/// Creates the database and its roles, then applies migrations as a step of its own:
/// <list type="bullet">
/// <item><c>omnichat_owner</c> owns the schema and runs migrations; row-level security is forced on it too;</item>
/// <item><c>omnichat_app</c> is what services use: it owns nothing, so RLS applies and without a tenant it sees no row;</item>
/// <item><c>omnichat_system</c> bypasses RLS, for the explicit, logged system scope (seeding, outbox, operator console).</item>
/// </list>
/// The AppHost runs it in-process before starting the services; a deployment runs the same code as the Workers'
/// <c>migrate</c> command (a Kubernetes Job, ADR 0035).
/// </summary>
public static class DatabaseProvisioner
{
    /// <summary>Owns the schema and runs migrations.</summary>
    public const string OwnerRole = "omnichat_owner";

    /// <summary>What the services connect as: owns nothing, so row-level security applies.</summary>
    public const string AppRole = "omnichat_app";

    /// <summary>Bypasses row-level security, for the logged system scope.</summary>
    public const string SystemRole = "omnichat_system";

    /// <summary>Creates or updates the roles and the database; idempotent.</summary>
    public static async Task<DatabaseConnections> ProvisionAsync(string adminConnectionString, string database, RolePasswords passwords,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            // Role DDL takes no parameters; the passwords are generated alphanumerics, checked here to keep it so.
            foreach (var password in new[] { passwords.Owner, passwords.App, passwords.System })
            {
                if (!password.All(char.IsAsciiLetterOrDigit))
                {
                    throw new InvalidOperationException("Role passwords must be alphanumeric.");
                }
            }
            // Role DDL is cluster-wide: serialise concurrent provisioning (parallel test fixtures) on an advisory lock,
            // released when this connection closes.
            await ExecuteAsync(connection, "SELECT pg_advisory_lock(7411003)", cancellationToken);
            await ExecuteAsync(connection, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OwnerRole}') THEN CREATE ROLE {OwnerRole}; END IF;
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{AppRole}') THEN CREATE ROLE {AppRole}; END IF;
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{SystemRole}') THEN CREATE ROLE {SystemRole}; END IF;
                END $$;
                ALTER ROLE {OwnerRole} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{passwords.Owner}';
                ALTER ROLE {AppRole} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{passwords.App}';
                ALTER ROLE {SystemRole} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS PASSWORD '{passwords.System}';
                """, cancellationToken);

            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await ExecuteAsync(connection, $"CREATE DATABASE {Quote(database)} OWNER {OwnerRole} ENCODING 'UTF8' TEMPLATE template0", cancellationToken);
            }
        }

        admin.Database = database;
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"""
                REVOKE ALL ON DATABASE {Quote(database)} FROM PUBLIC;
                GRANT CONNECT, TEMPORARY ON DATABASE {Quote(database)} TO {OwnerRole}, {AppRole}, {SystemRole};
                ALTER SCHEMA public OWNER TO {OwnerRole};
                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                GRANT USAGE ON SCHEMA public TO {AppRole}, {SystemRole};
                ALTER DEFAULT PRIVILEGES FOR ROLE {OwnerRole} IN SCHEMA public
                  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {AppRole}, {SystemRole};
                ALTER DEFAULT PRIVILEGES FOR ROLE {OwnerRole} IN SCHEMA public
                  GRANT USAGE, SELECT ON SEQUENCES TO {AppRole}, {SystemRole};
                """, cancellationToken);
        }

        string For(string role, string password) => new NpgsqlConnectionStringBuilder(adminConnectionString)
        {
            Username = role,
            Password = password,
            Database = database,
            Pooling = true,
        }.ConnectionString;

        return new DatabaseConnections(For(OwnerRole, passwords.Owner), For(AppRole, passwords.App), For(SystemRole, passwords.System));
    }

    /// <summary>Applies every pending migration as the owner role, then narrows what services may do to the history table.</summary>
    public static async Task MigrateAsync(DatabaseConnections connections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connections);
        await using var dataSource = PersistenceExtensions.BuildDataSource(connections.Owner);
        var options = new DbContextOptionsBuilder<OmniChatDbContext>();
        PersistenceExtensions.ConfigureDbContext(options, dataSource);
        await using (var db = new OmniChatDbContext(options.Options, new TenantContext()))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection,
            $"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON __ef_migrations_history FROM {AppRole}, {SystemRole}", cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
