using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace OmniChat.Core.Webhooks;

/// <summary>
/// SSRF guard: webhook targets must be public addresses. Private (RFC 1918, unique local), loopback, link-local
/// (including the 169.254.169.254 metadata service), unspecified, multicast and carrier-grade NAT ranges are refused
/// unless configured (<see cref="WebhookOptions.AllowLoopback"/>, <see cref="WebhookOptions.AllowedPrivateNetworks"/>).
/// Checked when a subscription is saved and again on every connection (against DNS rebinding).
/// </summary>
public sealed class WebhookTargetPolicy(IOptions<WebhookOptions> options)
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"), IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private readonly IPNetwork[] _allowed = [.. options.Value.AllowedPrivateNetworks.Select(IPNetwork.Parse)];

    /// <summary>Whether a connection to <paramref name="address"/> is allowed.</summary>
    public bool Allows(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return options.Value.AllowLoopback;
        }
        return !Blocked.Any(n => n.Contains(address)) || _allowed.Any(n => n.Contains(address));
    }

    /// <summary>Why <paramref name="url"/> cannot be a target, or null when it can (resolves the host name).</summary>
    public async Task<string?> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        if (url is null || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.UserInfo.Length > 0)
        {
            return "Must be an absolute http(s) URL without credentials, at most 2000 characters.";
        }
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "The host name does not resolve.";
        }
        return addresses.Length == 0 ? "The host name does not resolve."
            : addresses.All(Allows) ? null
            : "The target is a private, loopback or link-local address.";
    }

    /// <summary>An HTTP handler whose every connection is checked against this policy after DNS resolution.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            var target = addresses.FirstOrDefault(Allows)
                ?? throw new HttpRequestException($"Refused to connect to {context.DnsEndPoint.Host}: not a public address.");
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
