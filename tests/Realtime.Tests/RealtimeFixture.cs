using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;
using OmniChat.TestKit.Contract;

[assembly: AssemblyFixture(typeof(OmniChat.Realtime.Tests.RealtimeFixture))]

namespace OmniChat.Realtime.Tests;

/// <summary>PostgreSQL, Redis, the Api and two Realtime instances (no sticky routing), started through the AppHost library.</summary>
public sealed class RealtimeFixture : ServersFixture
{
    /// <summary>The v1 path's configured Origin allowlist in these tests.</summary>
    public const string AllowedOrigin = "https://allowed.example";

    /// <summary>Sockets per conversation per instance in these tests.</summary>
    public const int ConversationCap = 4;

    /// <summary>Agent streams one API key may hold across both instances in these tests.</summary>
    public const int StreamsPerApiKey = 3;

    /// <summary>The hub's read and resume intervals in these tests.</summary>
    public const string SignalInterval = "01:00:00";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.Api, ResourceNames.Realtime],
        StartRabbitMq = false,
        ServiceEnvironment = new Dictionary<string, string>
        {
            ["Realtime__AllowedOrigins__0"] = AllowedOrigin,
            ["Realtime__MaxConnectionsPerConversation"] = ConversationCap.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventStreams__MaxPerApiKey"] = StreamsPerApiKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Longer than any test: a burst of reads or resumes is one interval however slowly this machine sends it, and
            // what the hub holds back is never released during the test.
            ["Realtime__ReadInterval"] = SignalInterval,
            ["Realtime__ResumeInterval"] = SignalInterval,
        },
    };

    protected override async Task OnStartedAsync()
    {
        SecondRealtime = (await App.StartReplicaAsync(ResourceNames.Realtime, Ct)).Url;
        Frames.Contract = await Contract.GetAsync(Ct);
    }

    private LiveOpenApiContract? _contract;

    /// <summary>The Api's OpenAPI document: Api clients hold every exchange to it, and every frame a test reads is held to its x-omnichat-events.</summary>
    public LiveOpenApiContract Contract => _contract ??= new LiveOpenApiContract(App.ServiceUrls[ResourceNames.Api]);

    public Uri FirstRealtime => App.ServiceUrls[ResourceNames.Realtime];

    public Uri SecondRealtime { get; private set; } = null!;

    public CredentialTenant DefaultTenant => App.Credentials.Tenants.Single(t => t.Identifier == "default");

    public CredentialTenant DemoTenant => App.Credentials.Tenants.Single(t => t.Identifier == "demo");

    public HttpClient Api(string? bearer = null)
    {
        var client = Contract.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    public HttpClient ServiceTokenClient() => Api(App.Credentials.ServiceToken);

    /// <summary>Starts a v1 conversation (default tenant): its id and token.</summary>
    public async Task<(Guid Id, string Token)> StartV1ConversationAsync()
    {
        using var client = Api();
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { name = "realtime" }, Ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (body.GetProperty("conversationId").GetGuid(), body.GetProperty("token").GetString()!);
    }

    /// <summary>Posts a visitor message through the v1 API; returns its seq.</summary>
    public async Task<long> PostVisitorMessageAsync(Guid conversationId, string token, string text)
    {
        using var client = Api(token);
        using var response = await client.PostAsJsonAsync($"/v1/conversations/{conversationId}/messages", new { text }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("seq").GetInt64();
    }

    /// <summary>A single-use v2 socket ticket for a conversation token.</summary>
    public async Task<string> WidgetTicketAsync(Guid conversationId, string token)
    {
        using var client = Api(token);
        using var response = await client.PostAsJsonAsync("/v2/widget/ws-ticket", new { conversationId }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString()!;
    }

    public static Uri SocketUri(Uri realtime, string pathAndQuery) => new($"ws://{realtime.Authority}{pathAndQuery}");

    /// <summary>Opens a socket; a refused handshake throws <see cref="WebSocketException"/>.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await socket.ConnectAsync(uri, Ct);
        Frames.Sockets.AddOrUpdate(socket, uri.AbsolutePath);
        return socket;
    }

    /// <summary>
    /// Asserts that the handshake to <paramref name="uri"/> is refused with <paramref name="status"/> and the problem
    /// <paramref name="code"/>: a client socket is refused, and the same upgrade sent as plain HTTP (a browser cannot read
    /// a refused handshake's body, a test can) answers problem+json with that code. A refusal takes nothing (no ticket is
    /// redeemed), so asking twice is the same question.
    /// </summary>
    public static async Task AssertRefusedAsync(Uri uri, System.Net.HttpStatusCode status, string code, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, Ct));
        Assert.Equal(status, socket.HttpStatusCode);

        using var client = new HttpClient { BaseAddress = new Uri($"http://{uri.Authority}") };
        using var upgrade = new HttpRequestMessage(HttpMethod.Get, uri.PathAndQuery);
        upgrade.Headers.Connection.Add("Upgrade");
        upgrade.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        upgrade.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        upgrade.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        if (origin is not null)
        {
            upgrade.Headers.TryAddWithoutValidation("Origin", origin);
        }
        using var refused = await client.SendAsync(upgrade, Ct);
        Assert.Equal(status, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("code"));
    }

    public static Task<ClientWebSocket> ConnectV1Async(Uri realtime, Guid conversationId, string token, string? origin = null) =>
        ConnectAsync(SocketUri(realtime, $"/ws?conversationId={conversationId}&token={Uri.EscapeDataString(token)}"), origin);

    public static Task<ClientWebSocket> ConnectV2Async(Uri realtime, string ticket, string? origin = null) =>
        ConnectAsync(SocketUri(realtime, $"/v2/ws?ticket={Uri.EscapeDataString(ticket)}"), origin);

    /// <summary>Opens the agent stream of <paramref name="apiKey"/>'s tenant and reads its first (<c>ready</c>) frame.</summary>
    public async Task<ClientWebSocket> ConnectAgentAsync(Uri realtime, string apiKey)
    {
        using var api = Api(apiKey);
        using var response = await api.PostAsync(new Uri("/v2/realtime/tickets", UriKind.Relative), null, Ct);
        response.EnsureSuccessStatusCode();
        var ticket = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString()!;
        var socket = await ConnectAsync(SocketUri(realtime, $"/v2/agents/ws?ticket={Uri.EscapeDataString(ticket)}"));
        var ready = await socket.ReceiveAsync();
        if (ready.Str("type") != "ready")
        {
            throw new InvalidOperationException($"The agent stream began with {ready}.");
        }
        return socket;
    }
}

/// <summary>Reading and writing frames in tests; every frame read is held to the document (x-omnichat-events.webSockets).</summary>
public static class Frames
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The Api's document, which every frame read is checked against (set when the fixture starts).</summary>
    public static OpenApiContract? Contract { get; set; }

    /// <summary>The path each socket was opened on (<c>/ws</c>, <c>/v2/ws</c>, <c>/v2/agents/ws</c>).</summary>
    public static System.Runtime.CompilerServices.ConditionalWeakTable<ClientWebSocket, string> Sockets { get; } = [];

    /// <summary>The next text frame as JSON (fails after <paramref name="seconds"/>); a close frame throws.</summary>
    public static async Task<JsonElement> ReceiveAsync(this ClientWebSocket socket, int seconds = 15)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"closed: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                if (Contract is { } contract && Sockets.TryGetValue(socket, out var path)
                    && contract.CheckFrame(path, frame.GetRawText()) is { Count: > 0 } violations)
                {
                    throw new OpenApiContractViolationException(violations, frame.GetRawText());
                }
                return frame;
            }
        }
    }

    /// <summary>Frames up to and including the first that matches <paramref name="last"/>.</summary>
    public static async Task<List<JsonElement>> ReceiveUntilAsync(this ClientWebSocket socket, Func<JsonElement, bool> last, int seconds = 20)
    {
        var frames = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var remaining = (int)Math.Max(1, (deadline - DateTime.UtcNow).TotalSeconds);
            var frame = await socket.ReceiveAsync(remaining);
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    /// <summary>The close status the server ends the socket with (reading and dropping frames before it).</summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(this ClientWebSocket socket, int seconds = 15)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus;
            }
        }
    }

    public static Task SendJsonAsync(this ClientWebSocket socket, object frame) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, Ct);

    public static Task SendTextAsync(this ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Ct);

    public static IReadOnlyList<string> Keys(this JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    public static string? Str(this JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() : null;

    public static async Task CloseQuietlyAsync(this ClientWebSocket socket)
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                socket.Abort();
            }
        }
        socket.Dispose();
    }
}
