using System.Net;
using System.Net.Http.Json;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Tests;

/// <summary>
/// The limits of <see cref="RateLimitedApi"/> refill over a day, so every count below is exact however slowly the
/// machine sends.
/// </summary>
public sealed class RateLimitShould(RateLimitedApi limited) : IClassFixture<RateLimitedApi>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RefuseRequestsBeyondTheClientLimitWithRetryAfter()
    {
        using var client = limited.CreateClient(RateLimitedApi.NextClientAddress());
        using var neighbour = limited.CreateClient(RateLimitedApi.NextClientAddress());

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitedApi.PerIp; i++)
        {
            using var response = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
            answers.Add(response.StatusCode);
        }
        using var beyond = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        using var fromElsewhere = await neighbour.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        await AssertLimitedAsync(beyond);
        await fromElsewhere.AssertProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task NotChargeTheDefaultTenantForAnonymousV1Requests()
    {
        using var anonymous = limited.CreateClient(RateLimitedApi.NextClientAddress());
        using var admin = limited.CreateClient(RateLimitedApi.NextClientAddress(), limited.ServiceToken);

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i <= RateLimitedApi.SmallPlanPerMinute; i++)
        {
            using var response = await anonymous.PostAsJsonAsync($"/v1/conversations/{Guid.NewGuid()}/messages", new { text = "hi" }, Ct);
            answers.Add(response.StatusCode);
        }
        using var verified = await admin.GetAsync(new Uri("/v1/admin/conversations", UriKind.Relative), Ct);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
    }

    [Fact]
    public async Task RefuseRequestsBeyondTheTenantLimitWithRetryAfter()
    {
        var tenant = await limited.CreateTenantAsync(RateLimitedApi.TinyPlan);
        var other = await limited.CreateTenantAsync(RateLimitedApi.TinyPlan);
        var from = RateLimitedApi.NextClientAddress();
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            keys.Add(await limited.CreateApiKeyAsync(tenant, ApiScopes.ConversationsRead));
        }
        using var first = limited.CreateClient(from, keys[0]);
        using var second = limited.CreateClient(from, keys[1]);
        using var third = limited.CreateClient(from, keys[2]);
        using var otherTenant = limited.CreateClient(from, await limited.CreateApiKeyAsync(other, ApiScopes.ConversationsRead));

        // Two keys use the tenant's four requests between them, each within its own half.
        var answers = new List<HttpStatusCode>();
        foreach (var client in new[] { first, first, second, second })
        {
            using var response = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
            answers.Add(response.StatusCode);
        }
        using var beyond = await third.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        using var otherAnswer = await otherTenant.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        await AssertLimitedAsync(beyond);
        Assert.Equal(HttpStatusCode.OK, otherAnswer.StatusCode);
    }

    [Fact]
    public async Task RefuseRequestsBeyondTheApiKeyLimitWithRetryAfter()
    {
        var tenant = await limited.CreateTenantAsync(RateLimitedApi.TinyPlan);
        var from = RateLimitedApi.NextClientAddress();
        using var busy = limited.CreateClient(from, await limited.CreateApiKeyAsync(tenant, ApiScopes.ConversationsRead));
        using var quiet = limited.CreateClient(from, await limited.CreateApiKeyAsync(tenant, ApiScopes.ConversationsRead));

        using var firstOk = await busy.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        using var secondOk = await busy.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        using var beyond = await busy.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        using var otherKey = await quiet.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, firstOk.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondOk.StatusCode);
        await AssertLimitedAsync(beyond);
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
    }

    [Fact]
    public async Task RefuseMessagesBeyondTheConversationLimitWithRetryAfter()
    {
        var (id, token) = await StartV1ConversationAsync();
        using var visitor = limited.CreateClient(RateLimitedApi.NextClientAddress(), token);

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitedApi.PerConversation; i++)
        {
            using var response = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = $"message {i}" }, Ct);
            answers.Add(response.StatusCode);
        }
        using var beyond = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "one too many" }, Ct);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));
        await AssertLimitedAsync(beyond);
        Assert.Equal((long)RateLimitedApi.PerConversation,
            await limited.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task NotLetCallersWithoutTheConversationsTokenUseUpItsMessages()
    {
        var (id, token) = await StartV1ConversationAsync();
        var (_, otherToken) = await StartV1ConversationAsync();
        var attacker = RateLimitedApi.NextClientAddress();
        using var anonymous = limited.CreateClient(attacker);
        using var otherVisitor = limited.CreateClient(attacker, otherToken);
        using var visitor = limited.CreateClient(RateLimitedApi.NextClientAddress(), token);

        var refused = new List<HttpStatusCode>();
        foreach (var client in new[] { anonymous, otherVisitor })
        {
            for (var i = 0; i <= RateLimitedApi.PerConversation; i++)
            {
                using var response = await client.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "flood" }, Ct);
                refused.Add(response.StatusCode);
            }
        }
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitedApi.PerConversation; i++)
        {
            using var response = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = $"message {i}" }, Ct);
            answers.Add(response.StatusCode);
        }

        Assert.All(refused, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));
    }

    [Fact]
    public async Task KeepAnotherTenantsCallsOffAConversationsBucket()
    {
        var owner = await limited.CreateTenantAsync(RateLimitedApi.SmallPlan);
        var stranger = await limited.CreateTenantAsync(RateLimitedApi.SmallPlan);
        var from = RateLimitedApi.NextClientAddress();
        using var ownerClient = limited.CreateClient(from, await limited.CreateApiKeyAsync(owner, ApiScopes.ConversationsWrite));
        using var strangerClient = limited.CreateClient(from, await limited.CreateApiKeyAsync(stranger, ApiScopes.ConversationsWrite));
        using var started = await ownerClient.PostAsJsonAsync("/v2/conversations", new { name = "owned" }, Ct);
        var id = (await started.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
        (await ownerClient.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();

        var foreign = new List<HttpResponseMessage>();
        for (var i = 0; i < RateLimitedApi.PerConversation; i++)
        {
            foreign.Add(await strangerClient.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "eve", text = "not yours" }, Ct));
        }
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitedApi.PerConversation; i++)
        {
            using var response = await ownerClient.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "ann", text = $"reply {i}" }, Ct);
            answers.Add(response.StatusCode);
        }

        foreach (var response in foreign)
        {
            await response.AssertProblemAsync(404, "conversation_not_found");
            response.Dispose();
        }
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));
    }

    private async Task<(Guid Id, string Token)> StartV1ConversationAsync()
    {
        using var client = limited.CreateClient(RateLimitedApi.NextClientAddress());
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { name = "limited" }, Ct);
        response.EnsureSuccessStatusCode();
        var body = await response.JsonAsync();
        return (body.GetProperty("conversationId").GetGuid(), body.GetProperty("token").GetString()!);
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response)
    {
        await response.AssertProblemAsync(429, "rate_limited");
        Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), RateLimitedApi.RefillPeriod);
    }
}
