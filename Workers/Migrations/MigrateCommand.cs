using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Migrations;

/// <summary>
/// <c>OmniChat.Workers migrate</c>: the database step the AppHost runs before starting services, for a deployment (the
/// Kubernetes Job of deploy/k8s, ADR 0035). With <c>ConnectionStrings__postgresAdmin</c> it first creates or updates the
/// three roles and the database (<see cref="DatabaseProvisioner.ProvisionAsync"/>), with the passwords of the role
/// connection strings the services use; without it, it assumes a DBA created them. Then it applies every migration as the
/// owner. It never seeds: demo tenants and logins are the AppHost's alone. With <c>Operator__Email</c> it makes sure that
/// address is a platform operator login (<see cref="PlatformOperators"/>): a fresh deployment's way to its first operator,
/// who then sets a password with the portal's "Forgot password".
/// </summary>
internal static class MigrateCommand
{
    public const string Name = "migrate";

    /// <summary>An administrative login (creates roles and the database); optional.</summary>
    public const string AdminConnectionName = "postgresAdmin";

    /// <summary>The first operator's address; optional.</summary>
    public const string OperatorEmailSetting = "Operator:Email";

    public static bool IsRequested(string[] args) => args is [Name];

    /// <summary>Runs the step; returns the process exit code (0 done, 78 a setting missing or unreadable, 1 failed).</summary>
    public static async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var problems = new List<string>();
        string Required(string name)
        {
            var value = configuration.GetConnectionString(name);
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"missing required setting ConnectionStrings__{name}");
            }
            return value ?? "";
        }
        var connections = new DatabaseConnections(
            Required(ResourceNames.PostgresOwner), Required(ResourceNames.Postgres), Required(ResourceNames.PostgresSystem));
        var operatorEmail = configuration[OperatorEmailSetting] is { Length: > 0 } given ? given.Trim() : null;
        if (operatorEmail is not null && !PlatformOperators.IsValidEmail(operatorEmail))
        {
            problems.Add("Operator__Email is not an email address");
        }
        if (problems.Count > 0)
        {
            foreach (var line in problems)
            {
                await Console.Error.WriteLineAsync($"migrate: {line}");
            }
            return 78;
        }

        try
        {
            if (configuration.GetConnectionString(AdminConnectionName) is { Length: > 0 } admin)
            {
                var owner = Parse(connections.Owner, DatabaseProvisioner.OwnerRole, ResourceNames.PostgresOwner);
                var app = Parse(connections.App, DatabaseProvisioner.AppRole, ResourceNames.Postgres);
                var system = Parse(connections.System, DatabaseProvisioner.SystemRole, ResourceNames.PostgresSystem);
                var database = owner.Database ?? throw new InvalidOperationException(
                    $"ConnectionStrings__{ResourceNames.PostgresOwner} names no database");
                Console.WriteLine($"migrate: provisioning roles and database {database}");
                await DatabaseProvisioner.ProvisionAsync(admin, database,
                    new RolePasswords(owner.Password ?? "", app.Password ?? "", system.Password ?? ""), cancellationToken);
            }
            Console.WriteLine("migrate: applying migrations");
            await DatabaseProvisioner.MigrateAsync(connections, cancellationToken);
            if (operatorEmail is not null)
            {
                await EnsureOperatorAsync(connections.System, operatorEmail, cancellationToken);
            }
            Console.WriteLine("migrate: done");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException or DbUpdateException)
        {
            // The message names what failed; connection strings never appear in Npgsql's messages.
            await Console.Error.WriteLineAsync($"migrate: failed: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    private static async Task EnsureOperatorAsync(string systemConnection, string email, CancellationToken cancellationToken)
    {
        await using var dataSource = PersistenceExtensions.BuildDataSource(systemConnection);
        await using var db = SystemDbContextFactory.Over(dataSource).Create("migrate: the deployment's first operator login");
        var (user, created) = await PlatformOperators.EnsureAsync(db, email, "Platform operator", TimeProvider.System.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        Console.WriteLine(created || user.PasswordHash is null
            ? $"migrate: operator login {email} is ready; set its password at the portal's /account/forgot-password (the link is mailed to it)"
            : $"migrate: operator login {email} is an operator");
    }

    // Role names are fixed (migrations grant to them), so a connection string for another login is a mistake, said early.
    private static NpgsqlConnectionStringBuilder Parse(string connectionString, string role, string name)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.Equals(builder.Username, role, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ConnectionStrings__{name} must log in as {role}");
        }
        return builder;
    }
}
