using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.TestKit.Contract;

namespace OmniChat.Api.Tests;

/// <summary>
/// A second Api with small limits that refill over a day, on a database of its own: whatever a rate-limit test sees
/// is decided by how many requests it sends, never by how fast the machine sends them. Each test speaks from its own
/// loopback address (127.0.1.x), so per-IP buckets never carry over between tests, nor into the shared Api's.
/// </summary>
public sealed class RateLimitedApi(ApiFixture api) : IAsyncLifetime
{
    public const int PerIp = 30;
    public const int PerConversation = 3;

    /// <summary>Requests a minute of <see cref="TinyPlan"/>; one API key may use half of it.</summary>
    public const int TinyPlanPerMinute = 4;

    /// <summary>Requests a minute of <see cref="SmallPlan"/> (the fixture's <c>default</c> tenant is on it).</summary>
    public const int SmallPlanPerMinute = 20;

    public const string TinyPlan = "rl-tiny";
    public const string SmallPlan = "rl-small";

    public static readonly TimeSpan RefillPeriod = TimeSpan.FromDays(1);

    private static int _lastAddress;
    private ServiceReplica? _replica;

    public DatabaseConnections Database { get; private set; } = null!;

    public Guid DefaultTenantId { get; private set; }

    public string ServiceToken => api.App.Credentials.ServiceToken;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var (connections, seed) = await api.App.CreateDatabaseAsync("ratelimits_" + Guid.NewGuid().ToString("N")[..12], ct);
        Database = connections;
        DefaultTenantId = seed.Tenants.Single(t => t.Identifier == "default").Id;
        await ExecuteAsync("""
            INSERT INTO plans (id, name, conversations_per_month, messages_per_month, agents, api_requests_per_minute, storage_bytes, attachment_max_bytes)
            VALUES ($1, 'Tiny', 1000, 1000, 2, $2, 0, 0), ($3, 'Small', 1000, 1000, 2, $4, 0, 0);
            """, TinyPlan, TinyPlanPerMinute, SmallPlan, SmallPlanPerMinute);
        await ExecuteAsync("UPDATE tenants SET plan_id = $1 WHERE id = $2", SmallPlan, DefaultTenantId);

        _replica = await api.App.StartReplicaAsync(ResourceNames.Api, new Dictionary<string, string?>
        {
            [$"ConnectionStrings__{ResourceNames.Postgres}"] = connections.App,
            ["RateLimits__PerIpPerMinute"] = PerIp.ToString(CultureInfo.InvariantCulture),
            ["RateLimits__PerConversationPerMinute"] = PerConversation.ToString(CultureInfo.InvariantCulture),
            ["RateLimits__ApiKeyShare"] = "0.5",
            ["RateLimits__RefillPeriod"] = RefillPeriod.ToString("c", CultureInfo.InvariantCulture),
        }, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_replica is not null)
        {
            await _replica.StopAsync();
        }
    }

    /// <summary>A loopback address no other test speaks from.</summary>
    public static IPAddress NextClientAddress()
    {
        var n = Interlocked.Increment(ref _lastAddress);
        return new IPAddress([127, 0, (byte)(1 + n / 250), (byte)(1 + n % 250)]);
    }

    /// <summary>A client of the rate-limited Api whose connections come from <paramref name="from"/>.</summary>
    public HttpClient CreateClient(IPAddress from, string? bearer = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // The same Api build as the fixture's: its document holds for these exchanges too.
        var client = new HttpClient(new ContractValidatingHandler(api.Contract.GetAsync, handler)) { BaseAddress = _replica!.Url };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>A new active tenant on <paramref name="planId"/>.</summary>
    public async Task<Guid> CreateTenantAsync(string planId)
    {
        var id = Guid.CreateVersion7();
        await ExecuteAsync(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Rate-limited Co', $3, 'Active', 'en', now(), now())", id, "rl-" + id.ToString("N")[..12], planId);
        return id;
    }

    /// <summary>An API key of <paramref name="tenantId"/> with exactly <paramref name="scopes"/>.</summary>
    public async Task<string> CreateApiKeyAsync(Guid tenantId, params string[] scopes)
    {
        var key = ApiKeySecret.Generate("test");
        await ExecuteAsync("INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now())",
            Guid.CreateVersion7(), tenantId, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), scopes);
        return key;
    }

    /// <summary>A query as the system role of the fixture's database.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
