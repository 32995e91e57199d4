using System.Diagnostics;
using k8s.Models;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

namespace OmniChat.Deploy.Tests;

/// <summary>
/// The migration Job's command (the Workers' <c>migrate</c>), run with the environment the Job gives it against a real
/// PostgreSQL: it creates the database, applies every migration, seeds nothing, and can run again.
/// </summary>
public sealed class MigrateJobShould(ServersFixture servers) : IClassFixture<ServersFixture>
{
    [Fact]
    public async Task ProvisionAndMigrateAFreshDatabaseWithoutSeedingAndRunAgain()
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
        var job = GeneratedDeployment.Render(includeSandbox: false).OfType<V1Job>().Single();

        var first = await RunAsync(job, secret, ct);
        var second = await RunAsync(job, secret, ct);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("migrate: provisioning roles and database " + database, first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Output);
        await using var connection = new NpgsqlConnection(On(servers.App.Database.System));
        await connection.OpenAsync(ct);
        Assert.True(await CountAsync(connection, "SELECT count(*) FROM __ef_migrations_history", ct) > 0);
        Assert.Equal(0, await CountAsync(connection, "SELECT count(*) FROM tenants", ct));
        Assert.Equal(0, await CountAsync(connection, "SELECT count(*) FROM users", ct));
    }

    [Fact]
    public async Task StopWithOneLinePerMissingConnectionString()
    {
        var ct = TestContext.Current.CancellationToken;
        var job = GeneratedDeployment.Render(includeSandbox: false).OfType<V1Job>().Single();

        var result = await RunAsync(job, new Dictionary<string, string>(), ct);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"migrate: missing required setting ConnectionStrings__{ResourceNames.PostgresOwner}", result.Output, StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Runs the Job's container command (its image is the Workers' build) with its environment resolved from <paramref name="secret"/>.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(V1Job job, Dictionary<string, string> secret, CancellationToken ct)
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
