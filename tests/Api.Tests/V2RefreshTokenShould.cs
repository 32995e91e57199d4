using System.Net;
using System.Net.Http.Json;

namespace OmniChat.Api.Tests;

/// <summary><c>POST /v2/conversations/{id}/token</c>: the refresh token is the credential; its own row names the tenant.</summary>
public sealed class V2RefreshTokenShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RefreshAV2ConversationsTokenIntoOneThatWorks()
    {
        var (id, _, refreshToken) = await StartAsync(api.DemoTenant.ApiKey);
        using var visitor = api.CreateClient();

        using var refreshed = await visitor.PostAsJsonAsync($"/v2/conversations/{id}/token", new { refreshToken }, Ct);
        var body = await refreshed.JsonAsync();
        using var withNewToken = api.CreateClient(body.GetProperty("token").GetString());
        using var ticket = await withNewToken.PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId = id }, Ct);

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(["token", "refreshToken", "expiresIn"], body.Keys());
        Assert.NotEqual(refreshToken, body.GetProperty("refreshToken").GetString());
        Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
    }

    [Fact]
    public async Task RevokeTheFamilyWhenARefreshTokenIsReused()
    {
        var (id, _, first) = await StartAsync(api.DemoTenant.ApiKey);
        using var visitor = api.CreateClient();

        using var rotated = await visitor.PostAsJsonAsync($"/v2/conversations/{id}/token", new { refreshToken = first }, Ct);
        var second = (await rotated.JsonAsync()).GetProperty("refreshToken").GetString();
        using var reused = await visitor.PostAsJsonAsync($"/v2/conversations/{id}/token", new { refreshToken = first }, Ct);
        using var afterRevocation = await visitor.PostAsJsonAsync($"/v2/conversations/{id}/token", new { refreshToken = second }, Ct);
        using var unknown = await visitor.PostAsJsonAsync($"/v2/conversations/{id}/token", new { refreshToken = "not-a-token" }, Ct);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        await reused.AssertProblemAsync(401, "refresh_token_reused");
        await afterRevocation.AssertProblemAsync(401, "invalid_refresh_token");
        await unknown.AssertProblemAsync(401, "invalid_refresh_token");
    }

    [Fact]
    public async Task AnswerNotFoundForAnotherTenantsConversation()
    {
        var (demoConversation, _, demoRefresh) = await StartAsync(api.DemoTenant.ApiKey);
        var (defaultConversation, _, defaultRefresh) = await StartAsync(api.DefaultTenant.ApiKey);
        using var visitor = api.CreateClient();
        using var demoKeyHolder = api.CreateClient(api.DemoTenant.ApiKey);

        using var crossed = await visitor.PostAsJsonAsync($"/v2/conversations/{defaultConversation}/token", new { refreshToken = demoRefresh }, Ct);
        using var demoStillGood = await visitor.PostAsJsonAsync($"/v2/conversations/{demoConversation}/token", new { refreshToken = demoRefresh }, Ct);
        // An API key of another tenant on the request changes nothing: the tenant is the refresh token's.
        using var defaultStillGood = await demoKeyHolder.PostAsJsonAsync($"/v2/conversations/{defaultConversation}/token",
            new { refreshToken = defaultRefresh }, Ct);
        using var defaultVisitor = api.CreateClient((await defaultStillGood.JsonAsync()).GetProperty("token").GetString());
        using var defaultTicket = await defaultVisitor.PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId = defaultConversation }, Ct);

        await crossed.AssertProblemAsync(404, "conversation_not_found");
        Assert.Equal(HttpStatusCode.OK, demoStillGood.StatusCode);
        Assert.Equal(HttpStatusCode.OK, defaultStillGood.StatusCode);
        Assert.Equal(HttpStatusCode.OK, defaultTicket.StatusCode);
        Assert.Equal(api.DefaultTenant.Id, await api.ScalarAsync<Guid>(
            "SELECT DISTINCT tenant_id FROM refresh_tokens WHERE conversation_id = $1", defaultConversation));
    }

    private async Task<(Guid Id, string Token, string RefreshToken)> StartAsync(string apiKey)
    {
        using var client = api.CreateClient(apiKey);
        using var response = await client.PostAsJsonAsync("/v2/conversations", new { name = "refreshing" }, Ct);
        response.EnsureSuccessStatusCode();
        var body = await response.JsonAsync();
        return (body.GetProperty("conversation").GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!,
            body.GetProperty("refreshToken").GetString()!);
    }
}
