using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OmniChat.ServiceDefaults;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// Accepts visitor sockets (<c>/ws</c>, <c>/v2/ws</c>) in Kestrel's connection middleware, before any HTTP processing:
/// a socket accepted here keeps no <c>HttpContext</c>, HTTP/1 connection state or middleware frames for its lifetime
/// (about 40 % of an idle socket's memory, ADR 0014). Only a well-formed upgrade whose checks all pass is accepted here;
/// anything else (another route, a malformed or oversized head, a refusal, Redis trouble) goes to Kestrel untouched, and
/// the ASP.NET Core endpoints answer it, with the same checks and the same problem+json refusals.
/// </summary>
internal sealed partial class ConnectionHandshake(HubHandshakes handshakes, HubServices hub, IOptions<ForwardedHeadersOptions> forwarded,
    ILogger<ConnectionHandshake> logger)
{
    /// <summary>A longer request head is not a socket handshake of ours (browsers send well under 2 KB).</summary>
    private const int MaxHeadBytes = 8 * 1024;

    /// <summary>RFC 6455 §1.3: the GUID hashed with the client's key to prove the server understood the handshake.</summary>
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>A client that has not sent its whole head by then is handed to Kestrel, whose own header timeout applies.</summary>
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Handles one new connection: a socket of ours, or <paramref name="next"/> (Kestrel's HTTP handling).</summary>
    public async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        ReadResult read;
        long headLength;
        using (var timeout = new CancellationTokenSource(HeadTimeout))
        {
            try
            {
                (read, headLength) = await ReadHeadAsync(input, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                await next(connection);
                return;
            }
        }

        var request = headLength > 0 ? Parse(read.Buffer.Slice(0, headLength)) : null;
        var accepted = request is not null ? await TryAcceptAsync(connection, request) : null;
        if (accepted is null)
        {
            // Give every byte back: Kestrel parses the request from the start.
            input.AdvanceTo(read.Buffer.Start);
            await next(connection);
            return;
        }

        // The head is consumed; anything after it (a client's first frame) stays for the WebSocket.
        var (handshake, early, membership, key) = accepted.Value;
        input.AdvanceTo(read.Buffer.GetPosition(headLength));
        using (membership)
        {
            try
            {
                await connection.Transport.Output.WriteAsync(SwitchingProtocols(key), connection.ConnectionClosed);
                var options = hub.Options;
                using var webSocket = WebSocket.CreateFromStream(new DuplexPipeStream(connection.Transport), new WebSocketCreationOptions
                {
                    IsServer = true,
                    KeepAliveInterval = options.PingInterval,
                    KeepAliveTimeout = options.PongTimeout,
                });
                // Behind a known proxy (the AppHost's balancer) the peer is the proxy: the client is in its X-Forwarded-For.
                var client = ForwardedClient.ClientAddress((connection.RemoteEndPoint as IPEndPoint)?.Address, request!.ForwardedFor, forwarded.Value);
                await HubEndpoints.HostAsync(hub, handshake, early, webSocket, client,
                    HandshakePath.Connection, connection.ConnectionClosed);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionAbortedException or WebSocketException)
            {
                // The client went away during the upgrade or the cap's close: nothing is left to answer.
            }
        }
    }

    /// <summary>Reads until the head is complete; its length, or 0 when the bytes cannot be a head of ours.</summary>
    internal static async Task<(ReadResult Read, long HeadLength)> ReadHeadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken);
            if (!StartsLikeOurs(read.Buffer))
            {
                // Another method or route, or not HTTP at all (a TLS hello): no need to wait for a whole head.
                return (read, 0);
            }
            var reader = new SequenceReader<byte>(read.Buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true))
            {
                return reader.Consumed <= MaxHeadBytes ? (read, reader.Consumed) : (read, 0);
            }
            if (read.IsCompleted || read.IsCanceled || read.Buffer.Length > MaxHeadBytes)
            {
                return (read, 0);
            }
            // Everything seen, nothing consumed: wait for more.
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Whether the bytes so far can begin a <c>GET</c> of a visitor route (both start with <c>/ws</c> or <c>/v2/ws</c>).</summary>
    private static bool StartsLikeOurs(ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[10];
        var length = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, length).CopyTo(start);
        var seen = start[..length];
        return ("GET /ws"u8.StartsWith(seen[..Math.Min(length, 7)]) && (length <= 7 || seen[7] is (byte)' ' or (byte)'?'))
            || "GET /v2/ws"u8.StartsWith(seen);
    }

    /// <summary>Checks <paramref name="request"/>, joins the fan-out and redeems a v2 ticket; null to leave it to the endpoints.</summary>
    private async Task<(AcceptedHandshake Handshake, EarlyEvents Early, IDisposable Membership, string Key)?> TryAcceptAsync(
        ConnectionContext connection, UpgradeRequest request)
    {
        try
        {
            var check = request.Path == "/ws"
                ? await handshakes.CheckV1Async(request.Query("token"), request.Query("conversationId"), request.Origin, request.Host,
                    connection.ConnectionClosed)
                : await handshakes.CheckV2Async(request.Query("ticket"), request.Query("afterSeq"), request.Origin, request.Host,
                    redeem: false, connection.ConnectionClosed);
            if (check.Accepted is not { } accepted)
            {
                return null;
            }
            var early = new EarlyEvents();
            var membership = await hub.FanOut.JoinAsync(accepted.TenantId, accepted.ConversationId, early);
            try
            {
                if (await handshakes.RedeemAsync(accepted))
                {
                    return (accepted, early, membership, request.Key);
                }
            }
            catch
            {
                membership.Dispose();
                throw;
            }
            membership.Dispose();
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Redis or PostgreSQL trouble, or anything unforeseen: the endpoints try again and answer with the refusal
            // that fits (503 realtime_unavailable, or the pipeline's problem+json), rather than a dropped connection.
            LogFellBack(logger, request.Path, ex);
            return null;
        }
    }

    private static byte[] SwitchingProtocols(string key) => Encoding.ASCII.GetBytes(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + AcceptKey(key) + "\r\n\r\n");

    /// <summary>RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). SHA-1 is the protocol's, not a security choice.</summary>
#pragma warning disable CA5350
    internal static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350

    /// <summary>
    /// The upgrade request in <paramref name="head"/> if it is a plain WebSocket handshake (RFC 6455 §4.1) on a visitor
    /// route: <c>GET</c>, HTTP/1.1, a Host, <c>Upgrade: websocket</c>, <c>Connection: Upgrade</c>, version 13, a 16-byte
    /// key, no body. Anything unusual is left to Kestrel's full parser.
    /// </summary>
    internal static UpgradeRequest? Parse(ReadOnlySequence<byte> head)
    {
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        if (lines[0].Split(' ') is not ["GET", ['/', ..] target, "HTTP/1.1"])
        {
            return null;
        }
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        if (path is not ("/ws" or "/v2/ws"))
        {
            return null;
        }

        string? host = null, upgrade = null, connection = null, version = null, key = null, origin = null, forwardedFor = null;
        foreach (var line in lines.AsSpan(1))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || char.IsWhiteSpace(line[0]) || char.IsWhiteSpace(line[colon - 1]))
            {
                return null;
            }
            var value = line[(colon + 1)..].Trim(' ', '\t');
            // A handshake header seen twice, a body, or chunked framing: not a plain upgrade.
            var usable = line[..colon].ToUpperInvariant() switch
            {
                "HOST" => SetOnce(ref host, value),
                "UPGRADE" => SetOnce(ref upgrade, value),
                "CONNECTION" => SetOnce(ref connection, value),
                "SEC-WEBSOCKET-VERSION" => SetOnce(ref version, value),
                "SEC-WEBSOCKET-KEY" => SetOnce(ref key, value),
                "ORIGIN" => SetOnce(ref origin, value),
                "X-FORWARDED-FOR" => SetOnce(ref forwardedFor, value),
                "CONTENT-LENGTH" => value == "0",
                "TRANSFER-ENCODING" => false,
                _ => true,
            };
            if (!usable)
            {
                return null;
            }
        }

        Span<byte> keyBytes = stackalloc byte[24];
        if (host is null || version != "13" || !string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            || connection is null || !connection.Split(',').Any(token => token.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            || key is null || !Convert.TryFromBase64String(key, keyBytes, out var keyLength) || keyLength != 16)
        {
            return null;
        }
        return new UpgradeRequest(path, queryStart < 0 ? [] : QueryHelpers.ParseQuery(target[queryStart..]), key, origin ?? "", host)
        {
            ForwardedFor = forwardedFor,
        };
    }

    private static bool SetOnce(ref string? field, string value)
    {
        if (field is not null)
        {
            return false;
        }
        field = value;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking a socket handshake on {Path} failed; the endpoint handles it")]
    private static partial void LogFellBack(ILogger logger, string path, Exception exception);
}

/// <summary>A WebSocket upgrade request as <see cref="ConnectionHandshake"/> read it.</summary>
internal sealed record UpgradeRequest(string Path, Dictionary<string, StringValues> QueryValues, string Key, string Origin, string Host)
{
    /// <summary>The query value <paramref name="name"/> (several joined with commas, as ASP.NET Core does), or null when absent.</summary>
    public string? Query(string name) => QueryValues.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The <c>X-Forwarded-For</c> header, when a proxy sent one (believed only from a known proxy).</summary>
    public string? ForwardedFor { get; init; }
}
