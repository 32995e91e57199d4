using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OmniChat.TestKit;
using StackExchange.Redis;

namespace OmniChat.Realtime.Tests;

/// <summary>Widget v2 <c>/v2/ws</c>: tickets, frames with seq, resume without gap or duplicate, typing and read receipts, their limits.</summary>
public sealed class V2SocketShould(RealtimeFixture hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IEnumerable<long> Seqs(IEnumerable<JsonElement> frames) =>
        frames.Where(f => f.TryGetProperty("seq", out _) && f.Str("type") != "read").Select(f => f.GetProperty("seq").GetInt64());

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("code"));
    }

    [Fact]
    public async Task ReplayEveryMessageMissedWhileDisconnectedOnceAndInOrder()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var socket = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));
        await socket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        await hub.PostVisitorMessageAsync(id, token, "before");
        var seen = await socket.ReceiveAsync();
        Assert.Equal(["type", "id", "seq", "direction", "text", "createdAt"], seen.Keys());
        Assert.Equal(("message", 1L, "INBOUND", "before"), (seen.Str("type"), seen.GetProperty("seq").GetInt64(), seen.Str("direction"), seen.Str("text")));
        await socket.CloseQuietlyAsync();

        for (var i = 1; i <= 50; i++)
        {
            await hub.PostVisitorMessageAsync(id, token, $"missed {i}");
        }
        // Back on the other instance, from where it stopped.
        var again = await RealtimeFixture.ConnectV2Async(hub.SecondRealtime, await hub.WidgetTicketAsync(id, token));
        await again.SendJsonAsync(new { type = "resume", afterSeq = 1 });
        var replayed = await again.ReceiveUntilAsync(f => f.GetProperty("seq").GetInt64() == 51);
        var live = await hub.PostVisitorMessageAsync(id, token, "live again");
        var next = await again.ReceiveAsync();

        Assert.Equal(Enumerable.Range(2, 50).Select(i => (long)i), Seqs(replayed));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"missed {i}"), replayed.Select(f => f.Str("text")));
        Assert.Equal((52L, 52L), (live, next.GetProperty("seq").GetInt64()));
        await again.CloseQuietlyAsync();
    }

    [Fact]
    public async Task ReadAClientFrameLargerThanOneReadAndSentInFragments()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        await hub.PostVisitorMessageAsync(id, token, "stored");
        var socket = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));

        // 20 KB of JSON whitespace around a resume, in three fragments: the hub must join them into one frame.
        var frame = Encoding.UTF8.GetBytes($"{{{new string(' ', 20_000)}\"type\":\"resume\",\"afterSeq\":0}}");
        var third = frame.Length / 3;
        await socket.SendAsync(frame.AsMemory(0, third), WebSocketMessageType.Text, endOfMessage: false, Ct);
        await socket.SendAsync(frame.AsMemory(third, third), WebSocketMessageType.Text, endOfMessage: false, Ct);
        await socket.SendAsync(frame.AsMemory(2 * third), WebSocketMessageType.Text, endOfMessage: true, Ct);

        var replayed = await socket.ReceiveAsync();
        Assert.Equal(("message", 1L, "stored"), (replayed.Str("type"), replayed.GetProperty("seq").GetInt64(), replayed.Str("text")));
        await socket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task SwitchFromReplayToLiveWithoutGapOrDuplicateWhileMessagesKeepComing()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        for (var i = 1; i <= 40; i++)
        {
            await hub.PostVisitorMessageAsync(id, token, $"stored {i}");
        }
        var socket = await RealtimeFixture.ConnectV2Async(hub.SecondRealtime, await hub.WidgetTicketAsync(id, token));

        var writers = Task.Run(async () =>
        {
            for (var i = 1; i <= 40; i++)
            {
                await hub.PostVisitorMessageAsync(id, token, $"live {i}");
            }
        }, Ct);
        await socket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        var frames = await socket.ReceiveUntilAsync(f => f.GetProperty("seq").GetInt64() == 80, seconds: 60);
        await writers;

        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), Seqs(frames));
        await socket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task ResumeFromTheUrlAndCarryClaimNoteAndCloseWithTheirSeqs()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        await hub.PostVisitorMessageAsync(id, token, "one");
        using (var admin = hub.ServiceTokenClient())
        {
            (await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/claim", new { agent = "bo" }, Ct)).EnsureSuccessStatusCode();
        }
        var socket = await RealtimeFixture.ConnectAsync(
            RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/ws?ticket={Uri.EscapeDataString(await hub.WidgetTicketAsync(id, token))}&afterSeq=0"));
        using (var api = hub.Api(hub.DefaultTenant.ApiKey))
        {
            (await api.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { text = "noted" }, Ct)).EnsureSuccessStatusCode();
            (await api.PostAsync(new Uri($"/v2/conversations/{id}/close", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        }

        var frames = await socket.ReceiveUntilAsync(f => f.Str("type") == "conversation_closed");

        Assert.Equal(["message", "agent_joined", "info_note", "conversation_closed"], frames.Select(f => f.Str("type")));
        Assert.Equal([1L, 2L, 3L, 4L], Seqs(frames));
        Assert.Equal("bo", frames[1].Str("agent"));
        Assert.Equal(["type", "id", "seq", "text", "createdAt"], frames[2].Keys());
        await socket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task RefuseAReusedExpiredOrUnknownTicket()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var ticket = await hub.WidgetTicketAsync(id, token);
        var used = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, ticket);
        await used.CloseQuietlyAsync();

        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.SecondRealtime, $"/v2/ws?ticket={ticket}"), HttpStatusCode.Unauthorized, "invalid_ticket");
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, "/v2/ws?ticket=made-up"), HttpStatusCode.Unauthorized, "invalid_ticket");

        var expiring = await hub.WidgetTicketAsync(id, token);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString))
        {
            var key = "omnichat:ticket:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expiring)));
            Assert.True(await redis.GetDatabase().KeyExpireAsync(key, TimeSpan.FromMilliseconds(1)));
            await Eventually.HoldsAsync(async () => !await redis.GetDatabase().KeyExistsAsync(key), "the ticket expired in Redis");
        }
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/ws?ticket={expiring}"), HttpStatusCode.Unauthorized, "invalid_ticket");
    }

    [Fact]
    public async Task IssueTicketsOnlyForTheTokensOwnConversation()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var (otherId, _) = await hub.StartV1ConversationAsync();
        using var client = hub.Api(token);

        using var foreign = await client.PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId = otherId }, Ct);
        using var missing = await client.PostAsJsonAsync("/v2/widget/ws-ticket", new { }, Ct);
        using var apiKey = await hub.Api(hub.DemoTenant.ApiKey).PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId = id }, Ct);
        using var ok = await client.PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId = id }, Ct);

        await AssertProblemAsync(foreign, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(apiKey, HttpStatusCode.Unauthorized, "invalid_token");
        var body = await ok.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["ticket", "expiresIn"], body.Keys());
        Assert.Equal(30, body.GetProperty("expiresIn").GetInt32());
    }

    [Fact]
    public async Task NeverDeliverAnotherTenantsEvents()
    {
        // A demo-tenant conversation (v2) and a default-tenant one (v1), each with a socket.
        using var demo = hub.Api(hub.DemoTenant.ApiKey);
        using var created = await demo.PostAsJsonAsync("/v2/conversations", new { name = "demo socket" }, Ct);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var demoId = body.GetProperty("conversation").GetProperty("id").GetGuid();
        var demoSocket = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(demoId, body.Str("token")!));
        await demoSocket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        var (defaultId, defaultToken) = await hub.StartV1ConversationAsync();

        await hub.PostVisitorMessageAsync(defaultId, defaultToken, "default only");
        (await demo.PostAsJsonAsync($"/v2/conversations/{demoId}/claim", new { agent = "dee" }, Ct)).EnsureSuccessStatusCode();
        (await demo.PostAsJsonAsync($"/v2/conversations/{demoId}/messages", new { agent = "dee", text = "demo only" }, Ct)).EnsureSuccessStatusCode();

        // The claim's agent_joined comes first; nothing of the default tenant's conversation ever does.
        var frames = await demoSocket.ReceiveUntilAsync(f => f.Str("text") == "demo only");
        Assert.DoesNotContain(frames, f => f.Str("text") == "default only");
        await demoSocket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task PassTypingToTheOtherSocketsButNotBack()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var typist = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));
        var watcher = await RealtimeFixture.ConnectV2Async(hub.SecondRealtime, await hub.WidgetTicketAsync(id, token));
        await typist.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        await watcher.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        // Both sockets are live once each has the conversation's first message.
        await hub.PostVisitorMessageAsync(id, token, "before typing");
        await typist.ReceiveUntilAsync(f => f.Str("text") == "before typing");
        await watcher.ReceiveUntilAsync(f => f.Str("text") == "before typing");

        await typist.SendJsonAsync(new { type = "typing" });
        var typing = await watcher.ReceiveAsync();
        await hub.PostVisitorMessageAsync(id, token, "done typing");

        Assert.Equal(["type", "from"], typing.Keys());
        Assert.Equal(("typing", "visitor"), (typing.Str("type"), typing.Str("from")));
        Assert.Equal("done typing", (await typist.ReceiveAsync()).Str("text"));
        await typist.SendTextAsync("not json");
        Assert.Equal("invalid_frame", (await typist.ReceiveAsync()).Str("code"));
        await typist.CloseQuietlyAsync();
        await watcher.CloseQuietlyAsync();
    }

    [Fact]
    public async Task PublishOneReadReceiptOfABurstPerInterval()
    {
        // An anonymous v1 visitor of the default tenant, and the tenant's agent stream on the other instance.
        var (id, token) = await hub.StartV1ConversationAsync();
        var agent = await hub.ConnectAgentAsync(hub.SecondRealtime, hub.DefaultTenant.ApiKey);
        var visitor = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));

        for (var seq = 1; seq <= 20; seq++)
        {
            await visitor.SendJsonAsync(new { type = "read", seq });
        }
        // The marker: the socket publishes it after handling every read, on the same channel, so each read the hub let
        // through is ahead of it on the agent stream.
        await visitor.SendJsonAsync(new { type = "typing" });
        var frames = await agent.ReceiveUntilAsync(f => f.Str("type") == "typing" && f.Str("conversationId") == id.ToString());

        var reads = frames.Where(f => f.Str("type") == "read" && f.Str("conversationId") == id.ToString());
        Assert.Equal([1L], reads.Select(f => f.GetProperty("seq").GetInt64()));
        await visitor.CloseQuietlyAsync();
        await agent.CloseQuietlyAsync();
    }

    [Fact]
    public async Task ReplayOnceForABurstOfResumes()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        await hub.PostVisitorMessageAsync(id, token, "stored");
        var socket = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));

        for (var i = 0; i < 20; i++)
        {
            await socket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        }
        // The marker: the hub answers a frame it cannot use through the socket's queue, behind every replay asked before it.
        await socket.SendTextAsync("not json");
        var frames = await socket.ReceiveUntilAsync(f => f.Str("type") == "error");

        Assert.Equal(["message", "error"], frames.Select(f => f.Str("type")));
        Assert.Equal("invalid_frame", frames[^1].Str("code"));
        await socket.CloseQuietlyAsync();
    }
}
