using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OmniChat.ServiceDefaults;

/// <summary>
/// The client's address when a service runs behind a reverse proxy (the AppHost's local balancer, an ingress).
/// <c>X-Forwarded-For</c> is believed only from the peers listed in <c>ForwardedHeaders:KnownProxies</c> (addresses) or
/// <c>ForwardedHeaders:KnownNetworks</c> (networks such as an ingress controller's pods, <c>10.0.0.0/8</c>), and only its last
/// entry (the one that proxy wrote; the AppHost's balancer replaces whatever the client sent). Without the setting no
/// forwarded header is believed and the peer is the client, as before (ADR 0036): anyone could write the header.
/// </summary>
public static class ForwardedClient
{
    /// <summary>Configuration section: <c>ForwardedHeaders:KnownProxies:0</c> = <c>127.0.0.1</c>, <c>ForwardedHeaders:KnownNetworks:0</c> = <c>10.0.0.0/8</c>, …</summary>
    public const string Section = "ForwardedHeaders";

    internal static void AddForwardedClient(this IHostApplicationBuilder builder)
    {
        var proxies = new List<IPAddress>();
        foreach (var value in builder.Configuration.GetSection($"{Section}:KnownProxies").GetChildren().Select(c => c.Value))
        {
            proxies.Add(IPAddress.TryParse(value, out var address)
                ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{value}' is not an IP address."));
        }
        var networks = new List<System.Net.IPNetwork>();
        foreach (var value in builder.Configuration.GetSection($"{Section}:KnownNetworks").GetChildren().Select(c => c.Value))
        {
            networks.Add(System.Net.IPNetwork.TryParse(value, out var network)
                ? network
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{value}' is not a network (10.0.0.0/8)."));
        }
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            // The framework trusts loopback by default; here only what the setting names is trusted.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(proxy);
            }
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
    }

    internal static void UseForwardedClient(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }
    }

    /// <summary>
    /// The client's address for a connection from <paramref name="peer"/> that carried <paramref name="forwardedFor"/>
    /// (the raw <c>X-Forwarded-For</c> value, or null), by the same rule as the middleware: the last entry, only from a
    /// known proxy. For code that reads requests before ASP.NET Core does (Realtime's connection-level handshake).
    /// </summary>
    public static IPAddress? ClientAddress(IPAddress? peer, string? forwardedFor, ForwardedHeadersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (peer is null || string.IsNullOrWhiteSpace(forwardedFor) || (options.ForwardedHeaders & ForwardedHeaders.XForwardedFor) == 0)
        {
            return peer;
        }
        var normalised = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        var trusted = options.KnownProxies.Contains(normalised) || options.KnownProxies.Contains(peer)
            || options.KnownIPNetworks.Any(n => n.Contains(normalised));
        if (!trusted)
        {
            return peer;
        }
        var last = forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return last is not null && IPEndPoint.TryParse(last, out var endPoint) ? endPoint.Address : peer;
    }
}
