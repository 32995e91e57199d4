using System.Net;
using System.Text.Json;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

namespace OmniChat.AppHost.Tests;

/// <summary>
/// The AppHost itself, end to end: every server and service started from its code, on free ports in a temporary
/// directory. These tests run one after another (they start whole systems).
/// </summary>
public sealed class AppHostShould : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private AppHostOptions Options(PortSet ports) => new()
    {
        DataDirectory = _directory.Path,
        Ports = ports,
        Ephemeral = true,
    };

    [Fact]
    public async Task StartEveryServiceReadyWriteCredentialsAndLeaveNothingBehindWhenStopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = PortSet.Free();
        var app = await DistributedApplication.StartAsync(Options(ports), ct);
        IReadOnlyList<int> pids;
        try
        {
            using var http = new HttpClient();
            foreach (var service in AppHostOptions.AllServices)
            {
                var url = app.ServiceUrls[service];
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url, "/health"), ct)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url, "/ready"), ct)).StatusCode);
            }

            using var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(app.CredentialsPath, ct));
            var root = credentials.RootElement;
            Assert.Equal(app.ServiceUrls[ResourceNames.Api].ToString().TrimEnd('/'), root.GetProperty("services").GetProperty("api").GetString());
            foreach (var name in new[] { "realtime", "adminPortal", "workers", "telegramSandbox" })
            {
                Assert.StartsWith("http://127.0.0.1:", root.GetProperty("services").GetProperty(name).GetString(), StringComparison.Ordinal);
            }
            var connectionStrings = root.GetProperty("connectionStrings");
            Assert.Contains("omnichat_app", connectionStrings.GetProperty("postgres").GetString(), StringComparison.Ordinal);
            Assert.Contains("omnichat_owner", connectionStrings.GetProperty("postgresOwner").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("127.0.0.1:", connectionStrings.GetProperty("redis").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("amqp://", connectionStrings.GetProperty("rabbitmq").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("serviceToken").GetString()));
            Assert.Contains("@", root.GetProperty("operator").GetProperty("email").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("operator").GetProperty("password").GetString()));
            Assert.True(root.GetProperty("operator").GetProperty("token").GetString() is { Length: >= 32 } operatorToken
                && operatorToken != root.GetProperty("serviceToken").GetString());
            var tenants = root.GetProperty("tenants").EnumerateArray().ToList();
            Assert.Equal(["default", "demo"], tenants.Select(t => t.GetProperty("identifier").GetString()));
            foreach (var tenant in tenants)
            {
                Assert.True(Guid.TryParse(tenant.GetProperty("id").GetString(), out _));
                Assert.StartsWith("ock_", tenant.GetProperty("apiKey").GetString(), StringComparison.Ordinal);
                Assert.False(string.IsNullOrEmpty(tenant.GetProperty("admin").GetProperty("password").GetString()));
            }
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(app.CredentialsPath));

            pids = [.. app.Processes.Select(p => p.Pid)];
        }
        finally
        {
            await app.StopAsync();
        }

        foreach (var pid in pids)
        {
            Assert.Empty(ProcessTable.GroupMembers(pid));
        }
        foreach (var port in new[] { ports.Api, ports.Realtime, ports.AdminPortal, ports.TelegramSandbox, ports.Workers, ports.Postgres, ports.Redis, ports.RabbitMq, ports.RabbitMqDistribution, ports.RabbitMqEpmd })
        {
            Assert.False(PortSet.IsListening(port), $"port {port} is still open");
        }
    }

    [Fact]
    public async Task KeepTheDataOnASecondStart()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Options(PortSet.Free()) with { Services = [], StartRabbitMq = false, StartRedis = false };
        Guid tenantId;
        string apiKey;
        await using (var first = await DistributedApplication.StartAsync(options, ct))
        {
            tenantId = first.Credentials.Tenants[0].Id;
            apiKey = first.Credentials.Tenants[0].ApiKey;
            await using var connection = new NpgsqlConnection(first.Database.System);
            await connection.OpenAsync(ct);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO conversations (id, tenant_id, name, status, last_seq, channel, interface, created_at, updated_at) " +
                $"VALUES (gen_random_uuid(), '{tenantId}', 'kept', 'Open', 0, 'web', 'widget', now(), now())", connection);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var second = await DistributedApplication.StartAsync(options, ct);
        await using var again = new NpgsqlConnection(second.Database.System);
        await again.OpenAsync(ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM conversations WHERE name = 'kept'", again);

        Assert.Equal(tenantId, second.Credentials.Tenants[0].Id);
        Assert.Equal(apiKey, second.Credentials.Tenants[0].ApiKey);
        Assert.Equal(1L, await count.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task TakeOverFromARunThatDiedWithoutStopping()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Options(PortSet.Free()) with { Services = [], StartRabbitMq = false };
        // The first run is abandoned without StopAsync, as if its AppHost had been killed: its servers keep running.
        var abandoned = await DistributedApplication.StartAsync(options, ct);
        try
        {
            var leftovers = abandoned.Processes.Select(p => p.Pid).ToList();

            await using var second = await DistributedApplication.StartAsync(options, ct);

            foreach (var pid in leftovers)
            {
                Assert.Empty(ProcessTable.GroupMembers(pid));
            }
            await using var connection = new NpgsqlConnection(second.Database.App);
            await connection.OpenAsync(ct);
        }
        finally
        {
            await abandoned.StopAsync();
        }
    }

    [Fact]
    public async Task NameThePortThatIsAlreadyTaken()
    {
        var ports = PortSet.Free();
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, ports.Api);
        squatter.Start();

        var error = await Assert.ThrowsAsync<PortInUseException>(() =>
            DistributedApplication.StartAsync(Options(ports) with { StartRabbitMq = false }, TestContext.Current.CancellationToken));

        Assert.Contains(ports.Api.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Contains("OMNICHAT_API_PORT", error.Message, StringComparison.Ordinal);
    }
}
