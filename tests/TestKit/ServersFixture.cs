using OmniChat.AppHost.Hosting;
using OmniChat.Core.Persistence;
using Xunit;

namespace OmniChat.TestKit;

/// <summary>
/// Real servers for a test assembly, started once through the AppHost library on free ports in a temporary directory
/// (never a developer's running instance). Tests isolate themselves with a database of their own
/// (<see cref="CreateDatabaseAsync"/>). Derive to start more (Redis, RabbitMQ, services).
/// </summary>
public class ServersFixture : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>What to start; the default is PostgreSQL only.</summary>
    protected virtual AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [],
        StartRedis = false,
        StartRabbitMq = false,
    };

    public async ValueTask InitializeAsync()
    {
        var options = Configure(new AppHostOptions
        {
            DataDirectory = _directory.Path,
            Ports = PortSet.Free(),
            Ephemeral = true,
        });
        App = await DistributedApplication.StartAsync(options, TestContext.Current.CancellationToken);
        await OnStartedAsync();
    }

    /// <summary>Runs once everything configured is up (start replicas, arrange shared data).</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    /// <summary>A fresh, migrated and seeded database in the shared server, for one test class or test.</summary>
    public Task<(DatabaseConnections Connections, SeedResult Seed)> CreateDatabaseAsync() =>
        App.CreateDatabaseAsync("test_" + Guid.NewGuid().ToString("N")[..16], TestContext.Current.CancellationToken);

    /// <summary>Runs before everything stops (stop what <see cref="OnStartedAsync"/> started).</summary>
    protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    /// <summary>A query as the system role (arranging and asserting across tenants); parameters are positional ($1, $2, …).</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(App.Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // App is null when the start itself failed (the AppHost has stopped what it started by then).
            if (App is not null)
            {
                await OnStoppingAsync();
                await App.DisposeAsync();
            }
        }
        finally
        {
            _directory.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
