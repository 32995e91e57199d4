using System.Diagnostics;
using k8s.Models;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

namespace OmniChat.Deploy.Tests;

/// <summary>
/// The migration Job's command (the Workers' <c>migrate</c>), run with the environment the Job gives it against a real
/// PostgreSQL: it creates the database, applies every migration, seeds nothing but the first operator login it is given,
/// and can run again.
/// </summary>
public sealed class MigrateJobShould(ServersFixture servers) : IClassFixture<ServersFixture>
{
    [Fact]
    public async Task ProvisionAndMigrateAFreshDatabaseWithOnlyTheFirstOperatorAndRunAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = "deploy_" + Guid.NewGuid().ToString("N")[..12];
        // The roles exist in this server already (the fixture's own database): the Job's connection strings carry their passwords.
        string On(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
        var secret = new Dictionary<string, string>
        {
            ["ConnectionStrings__postgresAdmin"] = servers.App.PostgresAdminConnectionString,
            [$"ConnectionStrings__{ResourceNames.PostgresOwner}"] = On(servers.App.Database.Owner),
            [$"ConnectionStrings__{ResourceNames.Postgres}"] = On(servers.App.Database.App),
            [$"ConnectionStrings__{ResourceNames.PostgresSystem}"] = On(servers.App.Database.System),
        };
        var (job, settings) = Rendered();
        var operatorEmail = settings["Operator__Email"];

        var first = await RunAsync(job, settings, secret, ct);
        var second = await RunAsync(job, settings, secret, ct);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("migrate: provisioning roles and database " + database, first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Output);
        await using var connection = new NpgsqlConnection(On(servers.App.Database.System));
        await connection.OpenAsync(ct);
        Assert.True(await CountAsync(connection, "SELECT count(*) FROM __ef_migrations_history", ct) > 0);
        Assert.Equal(0, await CountAsync(connection, "SELECT count(*) FROM tenants", ct));
        Assert.Equal(1, await CountAsync(connection, "SELECT count(*) FROM users", ct));
        // The operator's login: confirmed, no password until its owner sets one through "Forgot password", the role once.
        Assert.Equal(1, await CountAsync(connection,
            $"SELECT count(*) FROM users WHERE normalized_email = upper('{operatorEmail}') AND email_confirmed AND password_hash IS NULL", ct));
        Assert.Equal(1, await CountAsync(connection,
            "SELECT count(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.normalized_name = 'OPERATOR'", ct));
        Assert.Contains($"migrate: operator login {operatorEmail} is ready", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefuseAnOperatorEmailThatIsNotAnAddressBeforeTouchingTheDatabase()
    {
        var ct = TestContext.Current.CancellationToken;
        var (job, settings) = Rendered();
        settings["Operator__Email"] = "operator at example.com";
        var secret = new Dictionary<string, string>
        {
            // A server nobody listens on: the refusal must come before any connection.
            [$"ConnectionStrings__{ResourceNames.PostgresOwner}"] = "Host=127.0.0.1;Port=1;Database=x;Username=omnichat_owner;Password=x",
            [$"ConnectionStrings__{ResourceNames.Postgres}"] = "Host=127.0.0.1;Port=1;Database=x;Username=omnichat_app;Password=x",
            [$"ConnectionStrings__{ResourceNames.PostgresSystem}"] = "Host=127.0.0.1;Port=1;Database=x;Username=omnichat_system;Password=x",
        };

        var result = await RunAsync(job, settings, secret, ct);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("migrate: Operator__Email is not an email address", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopWithOneLinePerMissingConnectionString()
    {
        var ct = TestContext.Current.CancellationToken;
        var (job, settings) = Rendered();

        var result = await RunAsync(job, settings, new Dictionary<string, string>(), ct);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"migrate: missing required setting ConnectionStrings__{ResourceNames.PostgresOwner}", result.Output, StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static (V1Job Job, Dictionary<string, string> Settings) Rendered()
    {
        var deployment = GeneratedDeployment.Render(includeSandbox: false);
        return (deployment.OfType<V1Job>().Single(), new Dictionary<string, string>(deployment.Settings.Data));
    }

    /// <summary>
    /// Runs the Job's container command (its image is the Workers' build) with its environment resolved from the settings
    /// ConfigMap's <paramref name="settings"/> and <paramref name="secret"/>.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(V1Job job, Dictionary<string, string> settings, Dictionary<string, string> secret,
        CancellationToken ct)
    {
        var container = job.Spec.Template.Spec.Containers.Single();
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(DistributedApplication.ServiceAssemblyPath(ResourceNames.Workers));
        foreach (var argument in container.Args)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME");
        foreach (var variable in container.Env)
        {
            if (variable.ValueFrom.ConfigMapKeyRef is { } setting)
            {
                info.Environment[variable.Name] = settings[setting.Key];
                continue;
            }
            var key = variable.ValueFrom.SecretKeyRef.Key;
            if (secret.TryGetValue(key, out var value))
            {
                info.Environment[variable.Name] = value;
            }
            else
            {
                Assert.True(variable.ValueFrom.SecretKeyRef.Optional == true || secret.Count == 0, $"{key} is not optional");
            }
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(3), ct); // a guard against a hang
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
