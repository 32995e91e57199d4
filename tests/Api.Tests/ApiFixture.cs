using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.TestKit;
using OmniChat.TestKit.Contract;

[assembly: AssemblyFixture(typeof(OmniChat.Api.Tests.ApiFixture))]

namespace OmniChat.Api.Tests;

/// <summary>PostgreSQL, Redis and the Api service, started through the AppHost library.</summary>
public sealed class ApiFixture : ServersFixture
{
    /// <summary>Open event streams one API key may hold in these tests (small, so the cap is reachable).</summary>
    public const int MaxStreamsPerApiKey = 5;

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        // The sandbox stands in for Telegram: the AppHost connects each seeded tenant's bot and support group at start.
        Services = [ResourceNames.Api, ResourceNames.TelegramSandbox],
        StartRabbitMq = false,
        ServiceEnvironment = new Dictionary<string, string>(options.ServiceEnvironment)
        {
            ["EventStreams__MaxPerApiKey"] = MaxStreamsPerApiKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    public CredentialTenant DefaultTenant => App.Credentials.Tenants.Single(t => t.Identifier == "default");

    public CredentialTenant DemoTenant => App.Credentials.Tenants.Single(t => t.Identifier == "demo");

    private LiveOpenApiContract? _contract;

    /// <summary>The Api's own OpenAPI document, which every client of <see cref="CreateClient"/> holds each exchange to.</summary>
    public LiveOpenApiContract Contract => _contract ??= new LiveOpenApiContract(App.ServiceUrls[ResourceNames.Api]);

    /// <summary>A client of the Api; every request and answer is checked against the OpenAPI document (a violation fails the test).</summary>
    public HttpClient CreateClient(string? bearer = null)
    {
        var client = Contract.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    public HttpClient ServiceTokenClient() => CreateClient(App.Credentials.ServiceToken);

    /// <summary>Starts a v1 conversation (default tenant) and returns its id, token and refresh token.</summary>
    public async Task<(Guid Id, string Token, string RefreshToken)> StartV1ConversationAsync(string? name = null)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { name }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (body.GetProperty("conversationId").GetGuid(), body.GetProperty("token").GetString()!, body.GetProperty("refreshToken").GetString()!);
    }

    /// <summary>Creates an API key for a tenant with exactly <paramref name="scopes"/> (straight into the database, system role).</summary>
    public Task<string> CreateApiKeyAsync(Guid tenantId, params string[] scopes) => CreateApiKeyAsync(tenantId, null, scopes);

    /// <summary>Creates an API key for a tenant with exactly <paramref name="scopes"/>, expiring at <paramref name="expiresAt"/>.</summary>
    public async Task<string> CreateApiKeyAsync(Guid tenantId, DateTimeOffset? expiresAt, params string[] scopes)
    {
        var key = ApiKeySecret.Generate("test");
        await using var connection = new NpgsqlConnection(App.Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at, expires_at) VALUES ($1, $2, 'test', $3, $4, $5, now(), $6)",
            connection);
        insert.Parameters.AddWithValue(Guid.CreateVersion7());
        insert.Parameters.AddWithValue(tenantId);
        insert.Parameters.AddWithValue(ApiKeySecret.Prefix(key));
        insert.Parameters.AddWithValue(ApiKeySecret.Hash(key));
        insert.Parameters.AddWithValue(scopes);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)expiresAt ?? DBNull.Value });
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return key;
    }
}

/// <summary>Reading JSON answers in tests.</summary>
public static class HttpAssertions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    public static IReadOnlyList<string> Keys(this JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    /// <summary>Asserts a problem+json answer with <paramref name="status"/> and <paramref name="code"/>; returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.JsonAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("requestId").GetString()));
        return body;
    }
}
