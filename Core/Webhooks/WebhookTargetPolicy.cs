using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace OmniChat.Core.Webhooks;

/// <summary>
/// SSRF guard: webhook targets must be public addresses. Private (RFC 1918, unique local), loopback, link-local
/// (including the 169.254.169.254 metadata service), unspecified, multicast and carrier-grade NAT ranges are refused
/// unless configured (<see cref="WebhookOptions.AllowLoopback"/>, <see cref="WebhookOptions.AllowedPrivateNetworks"/>),
/// and so are IPv6 forms that carry an IPv4 address to a gateway (NAT64 <c>64:ff9b::/96</c> and <c>64:ff9b:1::/48</c>,
/// IPv4-compatible <c>::/96</c>); IPv4-mapped addresses are judged as the IPv4 address they map. Checked when a
/// subscription is saved and again on every connection (against DNS rebinding), never through a proxy. A name that does
/// not resolve and one that resolves to a refused address get the same answer, so tenants cannot probe internal names.
/// </summary>
public sealed class WebhookTargetPolicy
{
    /// <summary>The one answer for a host that does not resolve or resolves only to refused addresses.</summary>
    public const string NotPublicMessage = "The host name does not resolve to a public address.";

    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"), IPNetwork.Parse("::/96"), IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("64:ff9b:1::/48"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private readonly IOptions<WebhookOptions> _options;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly IPNetwork[] _allowed;

    /// <summary>A policy that resolves names with the system resolver.</summary>
    public WebhookTargetPolicy(IOptions<WebhookOptions> options)
        : this(options, Dns.GetHostAddressesAsync)
    {
    }

    internal WebhookTargetPolicy(IOptions<WebhookOptions> options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _resolve = resolve;
        _allowed = [.. options.Value.AllowedPrivateNetworks.Select(IPNetwork.Parse)];
    }

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
            return _options.Value.AllowLoopback;
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
        return await ResolvePublicAsync(uri.IdnHost, cancellationToken) is null ? NotPublicMessage : null;
    }

    /// <summary>The first allowed address <paramref name="host"/> resolves to, or null (unresolvable or refused alike).</summary>
    private async Task<IPAddress?> ResolvePublicAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolve(host, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
        // Every address must be allowed: a name that also resolves to a private address is refused as a whole.
        return addresses.Length > 0 && addresses.All(Allows) ? addresses[0] : null;
    }

    /// <summary>
    /// An HTTP handler whose every connection is checked against this policy after DNS resolution. It never uses a proxy:
    /// a proxy would be the address checked and connected to, and it would reach whatever the target names.
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var target = await ResolvePublicAsync(context.DnsEndPoint.Host, cancellationToken)
                ?? throw new HttpRequestException(NotPublicMessage);
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
