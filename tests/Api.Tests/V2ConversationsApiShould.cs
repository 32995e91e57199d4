using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.Core.Identity;
using StackExchange.Redis;

namespace OmniChat.Api.Tests;

/// <summary>API v2 conversations: scoped keys, tenant isolation, claims, filters and paging.</summary>
public sealed class V2ConversationsApiShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Guid> StartAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/v2/conversations", new { name }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task AnswerAnotherTenantsConversationWith404OnEveryRoute()
    {
        var (id, _, _) = await api.StartV1ConversationAsync("default tenant's");
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var owner = api.CreateClient(api.DefaultTenant.ApiKey);

        var attempts = new Func<HttpClient, Task<HttpResponseMessage>>[]
        {
            c => c.GetAsync(new Uri($"/v2/conversations/{id}", UriKind.Relative), Ct),
            c => c.GetAsync(new Uri($"/v2/conversations/{id}/messages", UriKind.Relative), Ct),
            c => c.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "mallory", text = "hi" }, Ct),
            c => c.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "mallory" }, Ct),
            c => c.PostAsync(new Uri($"/v2/conversations/{id}/release", UriKind.Relative), null, Ct),
            c => c.PostAsync(new Uri($"/v2/conversations/{id}/close", UriKind.Relative), null, Ct),
            c => c.PatchAsJsonAsync($"/v2/conversations/{id}", new { name = "pwned" }, Ct),
            c => c.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { text = "pwned" }, Ct),
        };
        foreach (var attempt in attempts)
        {
            using var response = await attempt(demo);
            await response.AssertProblemAsync(404, "conversation_not_found");
        }
        var listed = await (await demo.GetAsync(new Uri("/v2/conversations?limit=100", UriKind.Relative), Ct)).JsonAsync();
        using var own = await owner.GetAsync(new Uri($"/v2/conversations/{id}", UriKind.Relative), Ct);

        Assert.DoesNotContain(listed.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("default tenant's", (await own.JsonAsync()).GetProperty("name").GetString());
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task RequireTheScopeOfEachOperation()
    {
        var readOnly = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.ConversationsRead);
        using var writer = api.CreateClient(api.DemoTenant.ApiKey);
        var id = await StartAsync(writer, "scoped");
        using var reader = api.CreateClient(readOnly);
        using var nobody = api.CreateClient();

        using var read = await reader.GetAsync(new Uri($"/v2/conversations/{id}", UriKind.Relative), Ct);
        using var reply = await reader.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "bob", text = "hi" }, Ct);
        using var anonymous = await nobody.GetAsync(new Uri("/v2/conversations", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var problem = await reply.AssertProblemAsync(403, "scope_missing");
        Assert.Equal(ApiScopes.ConversationsWrite, problem.GetProperty("scope").GetString());
        await anonymous.AssertProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task LetExactlyOneOfTwoSimultaneousClaimersWin()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        for (var round = 0; round < 5; round++)
        {
            var id = await StartAsync(client, $"race {round}");

            var responses = await Task.WhenAll(
                client.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "alice" }, Ct),
                client.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "bob" }, Ct));

            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            await responses.Single(r => r.StatusCode != HttpStatusCode.OK).AssertProblemAsync(409, "already_claimed");
        }
    }

    [Fact]
    public async Task ClaimReleaseRenameReplyAndClose()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var id = await StartAsync(client, "lifecycle");

        var claimed = await (await client.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "alice" }, Ct)).JsonAsync();
        var again = await (await client.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "alice" }, Ct)).JsonAsync();
        using var reply = await client.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "alice", text = "Hello!" }, Ct);
        var released = await (await client.PostAsync(new Uri($"/v2/conversations/{id}/release", UriKind.Relative), null, Ct)).JsonAsync();
        var renamed = await (await client.PatchAsJsonAsync($"/v2/conversations/{id}", new { name = "renamed" }, Ct)).JsonAsync();
        var closed = await (await client.PostAsync(new Uri($"/v2/conversations/{id}/close", UriKind.Relative), null, Ct)).JsonAsync();
        var closedAgain = await (await client.PostAsync(new Uri($"/v2/conversations/{id}/close", UriKind.Relative), null, Ct)).JsonAsync();

        Assert.Equal("claimed", claimed.GetProperty("status").GetString());
        Assert.Equal("alice", again.GetProperty("claimedBy").GetString());
        Assert.Equal("open", released.GetProperty("status").GetString());
        Assert.Equal("renamed", renamed.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal("closed", closedAgain.GetProperty("status").GetString());
        Assert.Equal(1L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM outbox_messages WHERE partition_key = $1 AND message_type = 'ConversationClosed'", id));
    }

    [Fact]
    public async Task LetOnlyTheAgentHoldingTheClaimReply()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var id = await StartAsync(client, "claim before reply");

        using var unclaimed = await client.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "alice", text = "too early" }, Ct);
        (await client.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "bob" }, Ct)).EnsureSuccessStatusCode();
        using var notHers = await client.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "alice", text = "not mine" }, Ct);
        using var his = await client.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "bob", text = "on it" }, Ct);

        var early = await unclaimed.AssertProblemAsync(409, "not_claimed");
        Assert.Equal(JsonValueKind.Null, early.GetProperty("claimedBy").ValueKind);
        var taken = await notHers.AssertProblemAsync(409, "not_claimed");
        Assert.Equal("bob", taken.GetProperty("claimedBy").GetString());
        Assert.Equal(HttpStatusCode.Created, his.StatusCode);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task FilterAndPageConversations()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = await StartAsync(client, $"filter {tag} one");
        var second = await StartAsync(client, $"filter {tag} two");
        var third = await StartAsync(client, $"filter {tag} three");
        (await client.PostAsJsonAsync($"/v2/conversations/{second}/claim", new { agent = "carol" }, Ct)).Dispose();
        (await client.PostAsJsonAsync($"/v2/conversations/{third}/claim", new { agent = "dave" }, Ct)).Dispose();
        (await client.PostAsJsonAsync($"/v2/conversations/{third}/messages", new { agent = "dave", text = $"answer {tag}" }, Ct)).Dispose();
        (await client.PostAsync(new Uri($"/v2/conversations/{third}/release", UriKind.Relative), null, Ct)).Dispose();

        async Task<List<Guid>> Ids(string query)
        {
            var body = await (await client.GetAsync(new Uri($"/v2/conversations?{query}", UriKind.Relative), Ct)).JsonAsync();
            return [.. body.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetGuid())];
        }

        var page1 = await (await client.GetAsync(new Uri($"/v2/conversations?q={tag}&limit=2", UriKind.Relative), Ct)).JsonAsync();
        var cursor = page1.GetProperty("nextCursor").GetString();
        var page2 = await Ids($"q={tag}&limit=2&cursor={cursor}");
        var paged = page1.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Concat(page2).ToList();

        Assert.Equal(3, paged.Distinct().Count());
        Assert.Equal([second], await Ids($"q={tag}&status=claimed"));
        Assert.Equal([second], await Ids($"q={tag}&claimedBy=carol"));
        Assert.Equal([third], await Ids($"q=answer%20{tag}"));
        Assert.DoesNotContain(first, await Ids($"q={tag}&status=closed"));
        using var badCursor = await client.GetAsync(new Uri("/v2/conversations?cursor=nonsense", UriKind.Relative), Ct);
        await badCursor.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task PublishCommittedMessagesToTheTenantsRealtimeChannel()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(api.App.RedisConnectionString);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = RedisChannel.Literal($"omnichat:t:{api.DefaultTenant.Id:N}:events");
        // The tenant's channel carries every conversation's events (other tests write to this tenant too).
        await redis.GetSubscriber().SubscribeAsync(channel, (_, value) =>
        {
            if (JsonDocument.Parse((string)value!).RootElement.GetProperty("conversationId").GetGuid() == id)
            {
                received.TrySetResult(value!);
            }
        });
        using var visitor = api.CreateClient(token);

        using var sent = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "live" }, Ct);
        var published = JsonDocument.Parse(await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).RootElement;

        Assert.Equal("message", published.GetProperty("type").GetString());
        Assert.Equal(1, published.GetProperty("seq").GetInt64());
        Assert.Equal("INBOUND", published.GetProperty("direction").GetString());
        Assert.Equal("live", published.GetProperty("text").GetString());
    }

    [Fact]
    public async Task GiveTheStartRequestAnExampleInTheOpenApiDocument()
    {
        using var client = api.CreateClient();

        var document = await (await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Ct)).JsonAsync();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal("Ann", schemas.GetProperty("StartConversationRequest").GetProperty("examples")[0].GetProperty("name").GetString());
    }
}

public sealed class V2CustomerConversationsShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Guid?> CustomerOfNewConversationAsync(HttpClient client, string externalId)
    {
        using var response = await client.PostAsJsonAsync("/v2/conversations",
            new { name = "for a customer", customer = new { externalId, displayName = "Ann Smith" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var customer = (await response.JsonAsync()).GetProperty("conversation").GetProperty("customerId");
        return customer.ValueKind == JsonValueKind.Null ? null : customer.GetGuid();
    }

    [Fact]
    public async Task LinkConversationsOfOneExternalCustomerToOneCustomerPerTenant()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var owner = api.CreateClient(api.DefaultTenant.ApiKey);
        var externalId = "crm-" + Guid.NewGuid().ToString("N")[..8];

        var first = await CustomerOfNewConversationAsync(demo, externalId);
        var second = await CustomerOfNewConversationAsync(demo, externalId);
        var otherTenant = await CustomerOfNewConversationAsync(owner, externalId);
        using var invalid = await demo.PostAsJsonAsync("/v2/conversations", new { customer = new { externalId = "" } }, Ct);

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.NotNull(otherTenant);
        Assert.NotEqual(first, otherTenant);
        await invalid.AssertProblemAsync(400, "validation_failed");
        Assert.Equal(api.DemoTenant.Id, await api.ScalarAsync<Guid>("SELECT tenant_id FROM customers WHERE id = $1", first!.Value));
    }
}
