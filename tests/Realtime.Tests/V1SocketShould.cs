using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core.Realtime;
using StackExchange.Redis;

namespace OmniChat.Realtime.Tests;

/// <summary>Widget v1 <c>/ws</c>: the frozen frame shapes, over two instances, and the handshake checks.</summary>
public sealed class V1SocketShould(RealtimeFixture hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CarryTheWholeV1FlowInOrderWithExactlyTheV1KeysOnBothInstances()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var first = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);
        var second = await RealtimeFixture.ConnectV1Async(hub.SecondRealtime, id, token);

        await hub.PostVisitorMessageAsync(id, token, "hello");
        using (var admin = hub.ServiceTokenClient())
        {
            (await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/v1/admin/conversations/{id}/reply", new { agent = "ann", text = "hi there" }, Ct)).EnsureSuccessStatusCode();
        }
        using (var api = hub.Api(hub.DefaultTenant.ApiKey))
        {
            (await api.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { text = "We open at 9" }, Ct)).EnsureSuccessStatusCode();
        }
        using (var admin = hub.ServiceTokenClient())
        {
            (await admin.PostAsync(new Uri($"/v1/admin/conversations/{id}/close", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        }

        foreach (var socket in new[] { first, second })
        {
            var frames = await socket.ReceiveUntilAsync(f => f.Str("type") == "conversation_closed");
            Assert.Equal(5, frames.Count);
            Assert.Equal(["direction", "text"], frames[0].Keys());
            Assert.Equal(("INBOUND", "hello"), (frames[0].Str("direction"), frames[0].Str("text")));
            Assert.Equal(["type", "agent"], frames[1].Keys());
            Assert.Equal(("agent_joined", "ann"), (frames[1].Str("type"), frames[1].Str("agent")));
            Assert.Equal(["direction", "text", "agent"], frames[2].Keys());
            Assert.Equal(("OUTBOUND", "hi there", "ann"), (frames[2].Str("direction"), frames[2].Str("text"), frames[2].Str("agent")));
            Assert.Equal(["type", "text"], frames[3].Keys());
            Assert.Equal(("info_note", "We open at 9"), (frames[3].Str("type"), frames[3].Str("text")));
            Assert.Equal(["type"], frames[4].Keys());
            await socket.CloseQuietlyAsync();
        }
    }

    [Fact]
    public async Task RefuseAMissingForgedOrForeignToken()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var (otherId, _) = await hub.StartV1ConversationAsync();

        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={id}"), HttpStatusCode.Unauthorized, "invalid_token");
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={id}&token={token}x"), HttpStatusCode.Unauthorized, "invalid_token");
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={otherId}&token={token}"), HttpStatusCode.Unauthorized, "invalid_token");
        // The service token is never a conversation credential.
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={id}&token={hub.App.Credentials.ServiceToken}"),
            HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task RefuseAnOriginOutsideTheAllowlist()
    {
        var (id, token) = await hub.StartV1ConversationAsync();

        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={id}&token={token}"), HttpStatusCode.Forbidden,
            "origin_not_allowed", "https://evil.example");
        var allowed = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token, RealtimeFixture.AllowedOrigin);
        Assert.Equal(WebSocketState.Open, allowed.State);
        await allowed.CloseQuietlyAsync();
    }

    [Fact]
    public async Task CloseWith1009OnAFrameOver64KiB()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var socket = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);

        await socket.SendTextAsync(new string('x', 64 * 1024 + 1));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ReceiveCloseAsync());
        socket.Dispose();
    }

    [Fact]
    public async Task CloseWith1008OverTheConversationCap()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var open = new List<ClientWebSocket>();
        for (var i = 0; i < RealtimeFixture.ConversationCap; i++)
        {
            open.Add(await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token));
        }

        var extra = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await extra.ReceiveCloseAsync());
        // The cap is per instance: the other instance still takes one.
        var elsewhere = await RealtimeFixture.ConnectV1Async(hub.SecondRealtime, id, token);
        await hub.PostVisitorMessageAsync(id, token, "still served");
        Assert.Equal("still served", (await elsewhere.ReceiveAsync()).Str("text"));
        foreach (var socket in open.Append(elsewhere))
        {
            await socket.CloseQuietlyAsync();
        }
        extra.Dispose();
    }

    [Fact]
    public async Task DeliverWhatIsPublishedTheMomentTheHandshakeCompletes()
    {
        // v1 has no resume: once the client's handshake completes, the hub must already route the conversation's events.
        // Each round is a new conversation, published to straight from Redis as fast as the test can. The tenant's
        // channel is usually subscribed already (other sockets); that a join waits for Redis to confirm a new
        // subscription is RedisFanOutShould's part.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var publisher = new RedisRealtimePublisher(redis, NullLogger<RedisRealtimePublisher>.Instance);
        for (var round = 0; round < 20; round++)
        {
            var (id, token) = await hub.StartV1ConversationAsync();
            var socket = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);
            await publisher.PublishAsync(new RealtimeEvent(RealtimeEvent.Message, hub.DefaultTenant.Id, id, DateTimeOffset.UtcNow)
            {
                Id = Guid.CreateVersion7(), Seq = 1, Direction = "INBOUND", Text = $"first {round}",
            });

            Assert.Equal($"first {round}", (await socket.ReceiveAsync(seconds: 5)).Str("text"));
            await socket.CloseQuietlyAsync();
        }
    }

    [Fact]
    public async Task KeepTheTokenOutOfTheLogs()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var socket = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);
        await socket.CloseQuietlyAsync();
        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/ws?conversationId={id}&token={token}"), HttpStatusCode.Forbidden,
            "origin_not_allowed", "https://evil.example");

        foreach (var log in Directory.GetFiles(hub.App.LogDirectory, "realtime*.log"))
        {
            Assert.DoesNotContain(token, await ReadSharedAsync(log));
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }
}
