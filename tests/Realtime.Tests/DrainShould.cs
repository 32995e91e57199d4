using System.Net.Http.Json;
using System.Net.WebSockets;
using OmniChat.Core;

namespace OmniChat.Realtime.Tests;

/// <summary>Scaling an instance down tells its sockets to reconnect (1012); they resume on another instance with nothing lost.</summary>
public sealed class DrainShould(RealtimeFixture hub)
{
    private static readonly string[] Shop = ["https://shop.example"];

    [Fact]
    public async Task TellSocketsToReconnectWhenAnInstanceStopsAndLetThemResumeElsewhere()
    {
        var replica = await hub.App.StartReplicaAsync(ResourceNames.Realtime, TestContext.Current.CancellationToken);
        var (id, token) = await hub.StartV1ConversationAsync();
        var socket = await RealtimeFixture.ConnectV2Async(replica.Url, await hub.WidgetTicketAsync(id, token));
        await socket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        await hub.PostVisitorMessageAsync(id, token, "before the drain");
        var seen = await socket.ReceiveAsync();

        var stopping = replica.StopAsync();
        var status = await socket.ReceiveCloseAsync();
        await stopping;
        await hub.PostVisitorMessageAsync(id, token, "while away");
        var again = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));
        await again.SendJsonAsync(new { type = "resume", afterSeq = seen.GetProperty("seq").GetInt64() });

        Assert.Equal((WebSocketCloseStatus)1012, status);
        Assert.Equal("while away", (await again.ReceiveAsync()).Str("text"));
        socket.Dispose();
        await again.CloseQuietlyAsync();
    }

    [Fact]
    public async Task RefuseAnOriginOutsideTheTenantsAllowlist()
    {
        using var demo = hub.Api(hub.DemoTenant.ApiKey);
        using var set = await demo.PutAsJsonAsync("/v2/tenant/allowed-origins", new { allowedOrigins = Shop },
            TestContext.Current.CancellationToken);
        set.EnsureSuccessStatusCode();
        using var created = await demo.PostAsJsonAsync("/v2/conversations", new { name = "origin" }, TestContext.Current.CancellationToken);
        var body = await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        var id = body.GetProperty("conversation").GetProperty("id").GetGuid();
        var token = body.Str("token")!;

        // The hub caches a tenant's allowlist for up to 10 s.
        System.Net.HttpStatusCode? refused = null;
        for (var attempt = 0; attempt < 30 && refused is null; attempt++)
        {
            using var probe = new ClientWebSocket();
            probe.Options.CollectHttpResponseDetails = true;
            probe.Options.SetRequestHeader("Origin", "https://evil.example");
            try
            {
                await probe.ConnectAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/ws?ticket={await hub.WidgetTicketAsync(id, token)}"),
                    TestContext.Current.CancellationToken);
                await probe.CloseQuietlyAsync();
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
            catch (WebSocketException)
            {
                refused = probe.HttpStatusCode;
            }
        }
        var allowed = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token), "https://shop.example");

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused);
        Assert.Equal(WebSocketState.Open, allowed.State);
        await allowed.CloseQuietlyAsync();
    }
}
