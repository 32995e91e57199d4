using System.Net.Http.Json;
using System.Text.Json;

namespace OmniChat.Realtime.Tests;

/// <summary>The tenant-wide agent stream <c>/v2/agents/ws</c>: the tenant's events with cursors, resumable, and only its own.</summary>
public sealed class AgentStreamShould(RealtimeFixture hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> AgentTicketAsync(HttpClient api)
    {
        using var response = await api.PostAsync(new Uri("/v2/realtime/tickets", UriKind.Relative), null, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("ticket")!;
    }

    private static async Task<Guid> StartAsync(HttpClient api, string name)
    {
        using var created = await api.PostAsJsonAsync("/v2/conversations", new { name }, Ct);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("conversation").GetProperty("id").GetGuid();
    }

    private static bool IsMessage(JsonElement frame, Guid conversation, string text) =>
        frame.Str("event") == "message.added" && frame.GetProperty("data").Str("conversationId") == conversation.ToString()
        && frame.GetProperty("data").Str("text") == text;

    [Fact]
    public async Task StreamTheTenantsEventsAndResumeAfterTheLastCursor()
    {
        using var demo = hub.Api(hub.DemoTenant.ApiKey);
        var socket = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(demo)}"));
        var ready = await socket.ReceiveAsync();
        Assert.Equal(["type", "id"], ready.Keys());

        var id = await StartAsync(demo, "agent stream");
        (await demo.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();
        (await demo.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "ann", text = "first" }, Ct)).EnsureSuccessStatusCode();
        var live = await socket.ReceiveUntilAsync(f => IsMessage(f, id, "first"));
        Assert.Contains(live, f => f.Str("event") == "conversation.started" && f.GetProperty("data").Str("conversationId") == id.ToString());
        Assert.Equal(["type", "id", "event", "data"], live[^1].Keys());
        await socket.CloseQuietlyAsync();

        for (var i = 1; i <= 10; i++)
        {
            (await demo.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "ann", text = $"missed {i}" }, Ct)).EnsureSuccessStatusCode();
        }
        var again = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(hub.SecondRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(demo)}"));
        await again.ReceiveAsync(); // ready
        await again.SendJsonAsync(new { type = "resume", after = live[^1].Str("id") });
        var resumed = await again.ReceiveUntilAsync(f => IsMessage(f, id, "missed 10"));

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"missed {i}"),
            resumed.Where(f => f.Str("event") == "message.added" && f.GetProperty("data").Str("conversationId") == id.ToString())
                .Select(f => f.GetProperty("data").Str("text")));
        Assert.Equal(resumed.Count, resumed.Select(f => f.Str("id")).Distinct().Count());
        Assert.All(resumed, f => Assert.Equal(hub.DemoTenant.Id.ToString(), f.GetProperty("data").Str("tenantId")));
        await again.CloseQuietlyAsync();
    }

    [Fact]
    public async Task NeverCarryAnotherTenantsEvents()
    {
        using var demo = hub.Api(hub.DemoTenant.ApiKey);
        var socket = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(hub.SecondRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(demo)}"));
        await socket.ReceiveAsync(); // ready
        var (defaultId, token) = await hub.StartV1ConversationAsync();
        await hub.PostVisitorMessageAsync(defaultId, token, "default tenant only");
        var marker = await StartAsync(demo, "marker");

        var frames = await socket.ReceiveUntilAsync(f => f.Str("type") == "event" && f.GetProperty("data").Str("conversationId") == marker.ToString());

        Assert.All(frames.Where(f => f.Str("type") == "event"), f => Assert.Equal(hub.DemoTenant.Id.ToString(), f.GetProperty("data").Str("tenantId")));
        Assert.DoesNotContain(frames, f => f.ToString().Contains(defaultId.ToString(), StringComparison.Ordinal));
        await socket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task CarryNewEventsWhileAnyTransactionIsHeldOpen()
    {
        using var demo = hub.Api(hub.DemoTenant.ApiKey);
        var socket = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(demo)}"));
        await socket.ReceiveAsync(); // ready
        // Held by "something else" until the event has arrived; the old reader waited for every older transaction to end.
        await using var blocker = new Npgsql.NpgsqlConnection(hub.App.Database.App);
        await blocker.OpenAsync(Ct);
        await using var open = await blocker.BeginTransactionAsync(Ct);
        await using (var xid = new Npgsql.NpgsqlCommand("SELECT pg_current_xact_id()", blocker, open))
        {
            await xid.ExecuteScalarAsync(Ct);
        }

        var id = await StartAsync(demo, "while a transaction is open");
        var frames = await socket.ReceiveUntilAsync(f => f.Str("event") == "conversation.started" && f.GetProperty("data").Str("conversationId") == id.ToString());

        Assert.Equal("conversation.started", frames[^1].Str("event"));
        await open.RollbackAsync(Ct);
        await socket.CloseQuietlyAsync();
    }

    [Fact]
    public async Task RefuseMoreStreamsThanTheApiKeyMayHoldAcrossInstances()
    {
        var key = await CreateKeyAsync(hub.DemoTenant.Id, "conversations:read");
        using var client = hub.Api(key);
        var open = new List<System.Net.WebSockets.ClientWebSocket>();
        for (var i = 0; i < RealtimeFixture.StreamsPerApiKey; i++)
        {
            var instance = i % 2 == 0 ? hub.FirstRealtime : hub.SecondRealtime;
            var socket = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(instance, $"/v2/agents/ws?ticket={await AgentTicketAsync(client)}"));
            await socket.ReceiveAsync(); // ready
            open.Add(socket);
        }

        await RealtimeFixture.AssertRefusedAsync(RealtimeFixture.SocketUri(hub.SecondRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(client)}"),
            System.Net.HttpStatusCode.TooManyRequests, "too_many_streams");
        await open[0].CloseQuietlyAsync();
        open[0].Dispose();
        // A closed stream gives its slot back as soon as the hub has seen the close.
        System.Net.WebSockets.ClientWebSocket? again = null;
        await OmniChat.TestKit.Eventually.HoldsAsync(async () =>
        {
            try
            {
                again = await RealtimeFixture.ConnectAsync(RealtimeFixture.SocketUri(hub.FirstRealtime, $"/v2/agents/ws?ticket={await AgentTicketAsync(client)}"));
                return true;
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                return false;
            }
        }, "a closed agent stream gives its slot back");

        Assert.NotNull(again);
        foreach (var socket in open.Skip(1).Append(again))
        {
            await socket.CloseQuietlyAsync();
        }
    }

    [Fact]
    public async Task RequireTheReadScopeForATicket()
    {
        var writeOnly = await CreateKeyAsync(hub.DemoTenant.Id, "conversations:write");
        using var client = hub.Api(writeOnly);

        using var response = await client.PostAsync(new Uri("/v2/realtime/tickets", UriKind.Relative), null, Ct);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("scope_missing", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("code"));
    }

    private async Task<string> CreateKeyAsync(Guid tenantId, params string[] scopes)
    {
        var key = OmniChat.Core.Identity.ApiKeySecret.Generate("test");
        await using var connection = new Npgsql.NpgsqlConnection(hub.App.Database.System);
        await connection.OpenAsync(Ct);
        await using var insert = new Npgsql.NpgsqlCommand(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now())", connection);
        insert.Parameters.AddWithValue(Guid.CreateVersion7());
        insert.Parameters.AddWithValue(tenantId);
        insert.Parameters.AddWithValue(OmniChat.Core.Identity.ApiKeySecret.Prefix(key));
        insert.Parameters.AddWithValue(OmniChat.Core.Identity.ApiKeySecret.Hash(key));
        insert.Parameters.AddWithValue(scopes);
        await insert.ExecuteNonQueryAsync(Ct);
        return key;
    }
}
