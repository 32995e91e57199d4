using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

namespace OmniChat.AppHost.Tests;

/// <summary>
/// Kill test of <c>--replicas api=2,realtime=2,workers=2</c>: visitors post messages through the balancer (retrying a
/// failed send with the same <c>clientMessageId</c>, which the API makes idempotent), a v2 visitor socket per conversation
/// and one agent stream are connected through the balancer and resume after every drop, and a webhook subscription
/// posts <c>message.added</c> to a local receiver, while one instance of each service is killed (SIGKILL to its process
/// group) mid-traffic. Nothing the API acknowledged may be lost; every visitor socket must end with every seq of its
/// conversation, each once, with no gap; the agent stream and the receiver must get every message (duplicates are counted
/// and printed: the agent stream's resume replays after the cursor the client names, webhooks are at least once).
/// The AppHost starts each killed instance again, which the test waits for. Servers of its own:
/// <c>dotnet test tests/AppHost.Tests --filter ReplicaKillShould</c>.
/// </summary>
public sealed class ReplicaKillShould : IAsyncLifetime
{
    private const int Conversations = 8;
    private const int PerConversation = 50;
    private const int KillAfter = 150;
    private static readonly string[] MessageAdded = ["message.added"];
    private readonly TestDirectory _directory = new();
    private DistributedApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _app = await DistributedApplication.StartAsync(new AppHostOptions
        {
            DataDirectory = _directory.Path,
            Ports = PortSet.Free(),
            Ephemeral = true,
            Services = [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers],
            Replicas = AppHostOptions.ParseReplicas("api=2,realtime=2,workers=2"),
            UnlimitedTenants = ["default"],
            ServiceEnvironment = new Dictionary<string, string>
            {
                ["RateLimits__PerIpPerMinute"] = "1000000000",
                ["RateLimits__PerConversationPerMinute"] = "1000000000",
                ["Webhooks__BaseDelay"] = "00:00:00.200",
                ["Webhooks__MaxDelay"] = "00:00:02",
                ["Webhooks__PollInterval"] = "00:00:00.200",
            },
        }, Ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
        finally
        {
            _directory.Dispose();
        }
    }

    [Fact]
    public async Task LoseNoMessageSocketEventOrWebhookWhenOneInstanceOfEachServiceIsKilled()
    {
        await using var receiver = await Receiver.StartAsync();
        var tenant = _app.Credentials.Tenants.Single(t => t.Identifier == "default");
        var apiUrl = _app.ServiceUrls[ResourceNames.Api];
        var realtimeUrl = _app.ServiceUrls[ResourceNames.Realtime];
        using var api = new HttpClient { BaseAddress = apiUrl, Timeout = TimeSpan.FromSeconds(30) };
        await SendWithRetriesAsync(api, () => Post("/v2/webhooks", tenant.ApiKey,
            new { url = new Uri(receiver.BaseUrl, "/hook").ToString(), events = MessageAdded }), Ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var agent = new AgentStream();
        var agentRun = agent.RunAsync(api, realtimeUrl, tenant.ApiKey, stop.Token);

        var conversations = new List<(Guid Id, string Token)>();
        for (var i = 0; i < Conversations; i++)
        {
            var body = await SendWithRetriesAsync(api, () => Post("/v1/conversations", null, new { name = $"kill {i}" }), Ct);
            conversations.Add((body.GetProperty("conversationId").GetGuid(), body.GetProperty("token").GetString()!));
        }
        var visitors = conversations.Select(c => new VisitorStream(c.Id, c.Token)).ToList();
        var visitorRuns = visitors.Select(v => v.RunAsync(api, realtimeUrl, stop.Token)).ToList();

        var accepted = new ConcurrentDictionary<Guid, Guid>(); // message id → conversation
        var failedAttempts = 0;
        var senders = Parallel.ForEachAsync(conversations, new ParallelOptions { MaxDegreeOfParallelism = Conversations, CancellationToken = Ct },
            async (conversation, ct) =>
            {
                for (var i = 1; i <= PerConversation; i++)
                {
                    var clientMessageId = Guid.NewGuid();
                    var body = await SendWithRetriesAsync(api, () => Post($"/v1/conversations/{conversation.Id}/messages", conversation.Token,
                        new { text = $"{i}", clientMessageId }), ct, () => Interlocked.Increment(ref failedAttempts));
                    accepted.TryAdd(body.GetProperty("id").GetGuid(), conversation.Id);
                }
            });

        while (accepted.Count < KillAfter && !senders.IsCompleted)
        {
            await Task.Delay(50, Ct);
        }
        var killed = new[] { ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers }.Select(s => _app.InstancesOf(s)[0]).ToList();
        foreach (var instance in killed)
        {
            instance.Crash();
        }
        var acceptedAtKill = accepted.Count;
        await senders;
        foreach (var instance in killed)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            wait.CancelAfter(TimeSpan.FromMinutes(3));
            await instance.WaitForRestartAsync(1, wait.Token);
        }

        var total = Conversations * PerConversation;
        var ids = accepted.Keys.ToArray();
        Assert.Equal(total, ids.Length);
        // Every acknowledged message is stored, once per clientMessageId (the retries added nothing).
        Assert.Equal(total, await ScalarAsync("select count(*) from messages where id = any($1)", ids));
        var conversationIds = conversations.Select(c => c.Id).ToArray();
        Assert.Equal(total, await ScalarAsync("select count(*) from messages where conversation_id = any($1) and direction = 'Inbound'", conversationIds));

        // Every visitor socket reaches its conversation's last seq, having seen each seq once with no gap.
        var lastSeqs = new Dictionary<Guid, long>();
        foreach (var id in conversationIds)
        {
            lastSeqs[id] = await ScalarAsync("select last_seq from conversations where id = $1", id);
        }
        await Eventually.HoldsAsync(() => visitors.All(v => Volatile.Read(ref v.LastSeq) >= lastSeqs[v.ConversationId]),
            "every visitor socket received its conversation's last seq", TimeSpan.FromMinutes(3));
        await Eventually.HoldsAsync(() => ids.All(agent.MessageIds.ContainsKey), "the agent stream received every message", TimeSpan.FromMinutes(3));
        var webhooks = await receiver.WaitForAsync(r => ids.All(r.ContainsKey), TimeSpan.FromMinutes(4));
        await stop.CancelAsync();
        await Task.WhenAll([agentRun, .. visitorRuns]);

        var deliveries = receiver.Deliveries;
        var webhookDuplicates = deliveries - receiver.EventIds.Count;
        var bound = killed.Count(k => k.Service == ResourceNames.Workers) * new OmniChat.Core.Webhooks.WebhookOptions().Concurrency;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"replica kill test: killed {string.Join(", ", killed.Select(k => k.Name))} after {acceptedAtKill} acknowledged messages, each started again " +
            $"({string.Join(", ", killed.Select(k => $"{k.Name} restarts={k.Restarts}"))}); {total} messages acknowledged, {total} stored, 0 lost; " +
            $"{failedAttempts} send attempts failed and were retried with the same clientMessageId (0 duplicates stored); " +
            $"visitor sockets: {visitors.Sum(v => v.Connects)} connects for {Conversations} sockets, gaps {visitors.Sum(v => v.Gaps)}, " +
            $"duplicates {visitors.Sum(v => v.Duplicates)}; agent stream: {agent.Connects} connects, {agent.MessageIds.Count} messages, " +
            $"{agent.Duplicates} events replayed twice after a resume (dropped by id); webhooks: {webhooks.Count} messages delivered, " +
            $"{deliveries} deliveries, {webhookDuplicates} duplicates (bound {bound})");

        Assert.All(visitors, v => Assert.Equal(lastSeqs[v.ConversationId], v.LastSeq));
        Assert.Equal(0, visitors.Sum(v => v.Gaps));
        Assert.Equal(0, visitors.Sum(v => v.Duplicates));
        Assert.True(visitors.Sum(v => v.Connects) > Conversations, "no visitor socket was on the killed Realtime instance");
        Assert.InRange(webhookDuplicates, 0, bound);
        Assert.All(killed, k => Assert.Equal(1, k.Restarts));
    }

    private static HttpRequestMessage Post(string path, string? bearer, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return request;
    }

    /// <summary>
    /// Sends until the API answers 2xx: a request cut by the kill (connection reset, 502 from the balancer, 503 while an
    /// instance is going) is sent again as it was. Any other status fails the test.
    /// </summary>
    private static async Task<JsonElement> SendWithRetriesAsync(HttpClient api, Func<HttpRequestMessage> request, CancellationToken ct,
        Action? failed = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = request();
                using var response = await api.SendAsync(message, ct);
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                }
                if ((int)response.StatusCode is not (502 or 503 or 504) || attempt >= 50)
                {
                    throw new InvalidOperationException($"{message.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && attempt < 50)
            {
                // Cut by the kill.
            }
            failed?.Invoke();
            await Task.Delay(200, ct);
        }
    }

    private async Task<long> ScalarAsync(string sql, object parameter)
    {
        await using var connection = new NpgsqlConnection(_app.Database.System);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The next text frame as JSON, or null when the socket closed or broke.</summary>
    private static async Task<JsonElement?> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            return null;
        }
    }

    private static async Task<string> TicketAsync(HttpClient api, string path, string bearer, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await api.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("ticket").GetString()!;
    }

    /// <summary>A widget's v2 socket: reconnects with a new ticket and <c>afterSeq</c> = the last seq it saw.</summary>
    private sealed class VisitorStream(Guid conversationId, string token)
    {
        public long LastSeq;
        public int Gaps;
        public int Duplicates;
        public int Connects;

        public Guid ConversationId => conversationId;

        public async Task RunAsync(HttpClient api, Uri realtime, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var ticket = await TicketAsync(api, "/v2/widget/ws-ticket", token, new { conversationId }, stop);
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/v2/ws?ticket={Uri.EscapeDataString(ticket)}&afterSeq={LastSeq}"), stop);
                    Connects++;
                    while (await ReceiveAsync(socket, stop) is { } frame)
                    {
                        if (frame.GetProperty("type").GetString() is "read" or "typing" or "error" || !frame.TryGetProperty("seq", out var s))
                        {
                            continue;
                        }
                        var seq = s.GetInt64();
                        if (seq <= LastSeq)
                        {
                            Duplicates++;
                            continue;
                        }
                        if (seq != LastSeq + 1)
                        {
                            Gaps++;
                        }
                        Volatile.Write(ref LastSeq, seq);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or WebSocketException or IOException && !stop.IsCancellationRequested)
                {
                    // The instance went away under it, or the balancer had not noticed yet: try again.
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    await Task.Delay(200, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>An agent stream: reconnects with a new ticket and resumes after the last event id it saw.</summary>
    private sealed class AgentStream
    {
        private readonly HashSet<string> _eventIds = [];
        private string? _last;

        public ConcurrentDictionary<Guid, byte> MessageIds { get; } = new();

        public int Duplicates;
        public int Connects;

        public async Task RunAsync(HttpClient api, Uri realtime, string apiKey, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var ticket = await TicketAsync(api, "/v2/realtime/tickets", apiKey, null, stop);
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/v2/agents/ws?ticket={Uri.EscapeDataString(ticket)}"), stop);
                    Connects++;
                    while (await ReceiveAsync(socket, stop) is { } frame)
                    {
                        switch (frame.GetProperty("type").GetString())
                        {
                            case "ready" when _last is null:
                                _last = frame.GetProperty("id").GetString();
                                break;
                            case "ready":
                                await socket.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"resume","after":"{{_last}}"}"""), WebSocketMessageType.Text, true, stop);
                                break;
                            case "event":
                                var id = frame.GetProperty("id").GetString()!;
                                if (!_eventIds.Add(id))
                                {
                                    Duplicates++;
                                    break;
                                }
                                _last = id;
                                if (frame.GetProperty("event").GetString() == "message.added")
                                {
                                    MessageIds.TryAdd(frame.GetProperty("data").GetProperty("messageId").GetGuid(), 0);
                                }
                                break;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or WebSocketException or IOException && !stop.IsCancellationRequested)
                {
                    // As for visitors.
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    await Task.Delay(200, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A local webhook receiver: counts deliveries and records each event's message id.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<Guid, byte> _messages = new();
        private int _deliveries;

        private Receiver(WebApplication app) => _app = app;

        public Uri BaseUrl { get; private set; } = null!;

        public ConcurrentDictionary<string, byte> EventIds { get; } = new();

        public int Deliveries => Volatile.Read(ref _deliveries);

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpContext http) =>
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
                Interlocked.Increment(ref receiver._deliveries);
                receiver.EventIds.TryAdd(http.Request.Headers["OmniChat-Event-Id"].ToString(), 0);
                receiver._messages.TryAdd(body.RootElement.GetProperty("data").GetProperty("message").GetProperty("id").GetGuid(), 0);
                return Results.Ok();
            });
            await app.StartAsync(Ct);
            receiver.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return receiver;
        }

        public async Task<ConcurrentDictionary<Guid, byte>> WaitForAsync(Func<ConcurrentDictionary<Guid, byte>, bool> done, TimeSpan timeout)
        {
            await Eventually.HoldsAsync(() => done(_messages), "the receiver got every message.added", timeout);
            return _messages;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
