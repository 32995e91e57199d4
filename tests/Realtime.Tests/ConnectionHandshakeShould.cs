using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using OmniChat.TestKit;

namespace OmniChat.Realtime.Tests;

/// <summary>
/// Visitor sockets accepted in Kestrel's connection middleware (ADR 0014), and what it hands on to HTTP: other routes,
/// heads it does not take, refusals (those are covered with their codes in <see cref="V1SocketShould"/> and
/// <see cref="V2SocketShould"/>).
/// </summary>
public sealed class ConnectionHandshakeShould(RealtimeFixture hub)
{
    private static readonly string[] PlainUpgradeHeaders =
        ["Host: a", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AcceptV1AndV2VisitorSocketsAtTheConnectionLevelAndDeliverOnThem()
    {
        var before = await AcceptedAsync(HandshakePath.Connection);
        var (id, token) = await hub.StartV1ConversationAsync();
        using var v1 = await RealtimeFixture.ConnectV1Async(hub.FirstRealtime, id, token);
        using var v2 = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));
        await v2.SendJsonAsync(new { type = "resume", afterSeq = 0 });

        await hub.PostVisitorMessageAsync(id, token, "through the raw handshake");

        Assert.Equal("through the raw handshake", (await v1.ReceiveAsync()).Str("text"));
        var v2Frames = await v2.ReceiveUntilAsync(f => f.Str("type") == "message");
        Assert.Equal("through the raw handshake", v2Frames[^1].Str("text"));
        // The Prometheus endpoint may answer from a short cache.
        await Eventually.HoldsAsync(async () => await AcceptedAsync(HandshakePath.Connection) >= before + 2, "two more connection-level accepts");
        await v1.CloseQuietlyAsync();
        await v2.CloseQuietlyAsync();
    }

    [Fact]
    public async Task WaitForTheRestOfAHeadArrivingInPieces()
    {
        var head = Encoding.ASCII.GetBytes("GET /ws?conversationId=c&token=t HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n");
        byte[] frame = [0x89, 0x80, 0x01, 0x02, 0x03, 0x04];
        // Inline: each flush below returns once the reader has looked at what it got, so every piece is a read of its own.
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline));

        await pipe.Writer.WriteAsync(head.AsMemory(0, 20), Ct);
        var reading = Hub.ConnectionHandshake.ReadHeadAsync(pipe.Reader, Ct);
        var afterFirst = reading.IsCompleted;
        await pipe.Writer.WriteAsync(head.AsMemory(20, 30), Ct);
        var afterSecond = reading.IsCompleted;
        await pipe.Writer.WriteAsync(head[50..].Concat(frame).ToArray(), Ct);
        var (read, headLength) = await reading.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal((false, false), (afterFirst, afterSecond));
        Assert.Equal(head.Length, headLength);
        Assert.Equal(frame, read.Buffer.Slice(headLength).ToArray());
    }

    [Fact]
    public async Task AcceptAHeadAndKeepAFrameSentRightBehindItInTheSameWrite()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        using var tcp = await ConnectTcpAsync();
        var stream = tcp.GetStream();
        const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
        var head = $"GET /ws?conversationId={id}&token={Uri.EscapeDataString(token)} HTTP/1.1\r\nHost: {hub.FirstRealtime.Authority}\r\n"
            + $"Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(head);
        // A masked, empty ping (RFC 6455 §5.5.2) right behind the head, in the same write.
        byte[] ping = [0x89, 0x80, 0x01, 0x02, 0x03, 0x04];

        await stream.WriteAsync(bytes.Concat(ping).ToArray(), Ct);

        var response = await ReadHeadAsync(stream);
        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        // The value RFC 6455 §1.3 gives for this key.
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response, StringComparison.Ordinal);
        var pong = new byte[2];
        await stream.ReadExactlyAsync(pong, Ct);
        Assert.Equal([0x8A, 0x00], pong);
    }

    [Fact]
    public async Task HandOtherRequestsToHttpUntouched()
    {
        using var tcp = await ConnectTcpAsync();
        var stream = tcp.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {hub.FirstRealtime.Authority}\r\n\r\n"), Ct);
        var first = await ReadUntilAsync(stream, "\r\n0\r\n\r\n"); // the whole chunked answer
        // The same connection, a second request: Kestrel owns it now.
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: {hub.FirstRealtime.Authority}\r\n\r\n"), Ct);
        var second = await ReadUntilAsync(stream, "websocket_required");

        Assert.StartsWith("HTTP/1.1 200 ", first, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400 ", second, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaveAnOversizedHeadToTheEndpointWhichStillAcceptsIt()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        using var tcp = await ConnectTcpAsync();
        var stream = tcp.GetStream();
        var head = $"GET /ws?conversationId={id}&token={Uri.EscapeDataString(token)} HTTP/1.1\r\nHost: {hub.FirstRealtime.Authority}\r\n"
            + $"X-Padding: {new string('p', 9000)}\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
        var response = await ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        // Only the ASP.NET Core pipeline stamps a request id: this one went through the endpoint.
        Assert.Contains("X-Request-Id", response, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("POST /ws HTTP/1.1")]
    [InlineData("GET /ws HTTP/1.0")]
    [InlineData("GET /v2/agents/ws HTTP/1.1")]
    [InlineData("GET /wsx HTTP/1.1")]
    [InlineData("GET /ws HTTP/1.1", "Host: b")]
    [InlineData("GET /ws HTTP/1.1", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("GET /ws HTTP/1.1", "Content-Length: 5")]
    [InlineData("GET /ws HTTP/1.1", "Transfer-Encoding: chunked")]
    [InlineData("GET /ws HTTP/1.1", " folded: header")]
    public void TakeOnlyAPlainUpgradeOnAVisitorRoute(string requestLine, string? extraHeader = null)
    {
        var head = $"{requestLine}\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            + $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{(extraHeader is null ? "" : extraHeader + "\r\n")}\r\n";

        Assert.Null(Hub.ConnectionHandshake.Parse(new System.Buffers.ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head))));
    }

    [Theory]
    [InlineData("Upgrade: h2c")]
    [InlineData("Connection: keep-alive")]
    [InlineData("Sec-WebSocket-Version: 8")]
    [InlineData("Sec-WebSocket-Key: c2hvcnQ=")]
    public void RefuseAHandshakeHeaderOutsideRfc6455(string replacement)
    {
        var name = replacement[..replacement.IndexOf(':', StringComparison.Ordinal)];
        var headers = PlainUpgradeHeaders.Select(h => h.StartsWith(name + ":", StringComparison.Ordinal) ? replacement : h);
        var head = "GET /ws HTTP/1.1\r\n" + string.Join("\r\n", headers) + "\r\n\r\n";

        Assert.Null(Hub.ConnectionHandshake.Parse(new System.Buffers.ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head))));
    }

    [Fact]
    public void ReadTheRouteQueryAndOriginOfAPlainUpgrade()
    {
        var head = "GET /v2/ws?ticket=a%2Bb&afterSeq=7 HTTP/1.1\r\nhost: hub.example\r\nUPGRADE: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://shop.example\r\n\r\n";

        var request = Hub.ConnectionHandshake.Parse(new System.Buffers.ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));

        Assert.NotNull(request);
        Assert.Equal(("/v2/ws", "a+b", "7", "https://shop.example", "hub.example"),
            (request.Path, request.Query("ticket"), request.Query("afterSeq"), request.Origin, request.Host));
        Assert.Null(request.Query("token"));
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Hub.ConnectionHandshake.AcceptKey(request.Key));
    }

    private async Task<TcpClient> ConnectTcpAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(hub.FirstRealtime.Host, hub.FirstRealtime.Port, Ct);
        return tcp;
    }

    private static Task<string> ReadHeadAsync(NetworkStream stream) => ReadUntilAsync(stream, "\r\n\r\n");

    /// <summary>Reads byte by byte until <paramref name="marker"/> (never past it, so what follows stays in the stream).</summary>
    private static async Task<string> ReadUntilAsync(NetworkStream stream, string marker)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith(marker, StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, timeout.Token);
            text.Append((char)one[0]);
        }
        return text.ToString();
    }

    /// <summary>The hub's <c>omnichat.realtime.accepted</c> count for <paramref name="path"/>, from its Prometheus endpoint.</summary>
    private async Task<double> AcceptedAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = hub.FirstRealtime };
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
        return metrics.Split('\n')
            .Where(line => line.StartsWith("omnichat_realtime_accepted_total{", StringComparison.Ordinal)
                && line.Contains($"path=\"{path}\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    /// <summary>The metric's path tags (the hub's <c>HandshakePath</c>).</summary>
    private static class HandshakePath
    {
        public const string Connection = "connection";
    }
}
