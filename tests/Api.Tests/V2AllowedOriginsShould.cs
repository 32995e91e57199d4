using System.Net;
using System.Net.Http.Json;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Tests;

/// <summary><c>/v2/tenant/allowed-origins</c>: the browser origins the realtime hub lets open a tenant's sockets.</summary>
public sealed class V2AllowedOriginsShould(ApiFixture api)
{
    private static readonly string[] Messy = ["https://Shop.Example/", "http://localhost:5173", "https://shop.example"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoreNormalisedOriginsForTheKeysTenantOnly()
    {
        var key = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.ChannelsWrite, ApiScopes.ConversationsRead);
        using var demo = api.CreateClient(key);
        using var other = api.CreateClient(api.DefaultTenant.ApiKey);
        var before = await (await other.GetAsync(new Uri("/v2/tenant/allowed-origins", UriKind.Relative), Ct)).JsonAsync();

        using var set = await demo.PutAsJsonAsync("/v2/tenant/allowed-origins",
            new { allowedOrigins = Messy }, Ct);
        var read = await (await demo.GetAsync(new Uri("/v2/tenant/allowed-origins", UriKind.Relative), Ct)).JsonAsync();
        var after = await (await other.GetAsync(new Uri("/v2/tenant/allowed-origins", UriKind.Relative), Ct)).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(["https://shop.example", "http://localhost:5173"],
            read.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(before.ToString(), after.ToString());
        Assert.Equal(1L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND action = 'tenant.allowed_origins_set' AND actor = $2",
            api.DemoTenant.Id, $"api_key:{await api.ScalarAsync<Guid>("SELECT id FROM api_keys WHERE prefix = $1", ApiKeySecret.Prefix(key))}"));
    }

    [Theory]
    [InlineData("https://shop.example/path")]
    [InlineData("ftp://shop.example")]
    [InlineData("shop.example")]
    [InlineData("https://user@shop.example")]
    public async Task RefuseWhatIsNotAnOrigin(string origin)
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);

        using var response = await demo.PutAsJsonAsync("/v2/tenant/allowed-origins", new { allowedOrigins = new[] { origin } }, Ct);

        var problem = await response.AssertProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("allowedOrigins", out _));
    }

    [Fact]
    public async Task RequireTheChannelsWriteScope()
    {
        var key = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.ConversationsRead);
        using var reader = api.CreateClient(key);

        using var response = await reader.PutAsJsonAsync("/v2/tenant/allowed-origins", new { allowedOrigins = Array.Empty<string>() }, Ct);

        await response.AssertProblemAsync(403, "scope_missing");
    }
}
