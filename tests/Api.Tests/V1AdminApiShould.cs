using System.Net;
using System.Net.Http.Json;

namespace OmniChat.Api.Tests;

/// <summary>The legacy v1 admin API behind the service token.</summary>
public sealed class V1AdminApiShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClaimReplyAndCloseAConversation()
    {
        var (id, token, _) = await api.StartV1ConversationAsync("Zoe");
        using var admin = api.ServiceTokenClient();

        using var claimed = await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/claim", new { agent = "bob" }, Ct);
        using var reply = await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/reply", new { agent = "bob", text = "How can I help?" }, Ct);
        using var closed = await admin.PostAsync(new Uri($"/v1/admin/conversations/{id}/close", UriKind.Relative), null, Ct);
        var listed = await (await admin.GetAsync(new Uri("/v1/admin/conversations?status=closed", UriKind.Relative), Ct)).JsonAsync();
        using var visitor = api.CreateClient(token);
        var page = await (await visitor.GetAsync(new Uri($"/v1/conversations/{id}/messages", UriKind.Relative), Ct)).JsonAsync();
        using var afterClose = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "still there?" }, Ct);

        Assert.Equal("claimed", (await claimed.JsonAsync()).GetProperty("status").GetString());
        var message = await reply.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal("OUTBOUND", message.GetProperty("direction").GetString());
        Assert.Equal("bob", message.GetProperty("agent").GetString());
        Assert.Equal("closed", (await closed.JsonAsync()).GetProperty("status").GetString());
        Assert.Contains(listed.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        Assert.Equal(["id", "seq", "direction", "text", "agent", "createdAt"], page.GetProperty("messages")[0].Keys());
        await afterClose.AssertProblemAsync(409, "conversation_closed");
    }

    [Fact]
    public async Task RefuseAnythingButTheServiceToken()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();

        foreach (var bearer in new[] { null, "wrong", token, api.DefaultTenant.ApiKey })
        {
            using var client = api.CreateClient(bearer);
            using var listed = await client.GetAsync(new Uri("/v1/admin/conversations", UriKind.Relative), Ct);
            using var claimed = await client.PostAsJsonAsync($"/v1/admin/conversations/{id}/claim", new { agent = "eve" }, Ct);
            await listed.AssertProblemAsync(401, "invalid_service_token");
            await claimed.AssertProblemAsync(401, "invalid_service_token");
        }
        Assert.Equal("Open", await api.ScalarAsync<string>("SELECT status FROM conversations WHERE id = $1", id));
    }

    [Fact]
    public async Task AnswerUnknownConversationsAndBadInputWithProblems()
    {
        using var admin = api.ServiceTokenClient();

        using var unknown = await admin.PostAsJsonAsync($"/v1/admin/conversations/{Guid.NewGuid()}/claim", new { agent = "bob" }, Ct);
        using var noAgent = await admin.PostAsJsonAsync($"/v1/admin/conversations/{Guid.NewGuid()}/claim", new { }, Ct);
        using var badStatus = await admin.GetAsync(new Uri("/v1/admin/conversations?status=pending", UriKind.Relative), Ct);

        await unknown.AssertProblemAsync(404, "conversation_not_found");
        await noAgent.AssertProblemAsync(400, "validation_failed");
        await badStatus.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task NeverSeeAnotherTenantsConversationsThroughV1()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var created = await demo.PostAsJsonAsync("/v2/conversations", new { name = "demo only" }, Ct);
        var demoConversation = (await created.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
        using var admin = api.ServiceTokenClient();

        using var claim = await admin.PostAsJsonAsync($"/v1/admin/conversations/{demoConversation}/claim", new { agent = "bob" }, Ct);
        var listed = await (await admin.GetAsync(new Uri("/v1/admin/conversations", UriKind.Relative), Ct)).JsonAsync();

        await claim.AssertProblemAsync(404, "conversation_not_found");
        Assert.DoesNotContain(listed.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == demoConversation);
    }
}
