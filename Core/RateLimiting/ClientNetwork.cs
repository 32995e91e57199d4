using System.Net;
using System.Net.Sockets;

namespace OmniChat.Core.RateLimiting;

/// <summary>
/// The network a client address is limited as: an IPv4 address on its own, an IPv6 address by its /64 (one subscriber
/// usually holds a whole /64, so counting single IPv6 addresses would let one client rotate through 2^64 buckets).
/// </summary>
public static class ClientNetwork
{
    /// <summary>The rate-limit bucket key of <paramref name="address"/> (<c>ip:203.0.113.7</c>, <c>ip:2001:db8:1:2::/64</c>).</summary>
    public static string BucketKey(IPAddress? address)
    {
        if (address is null)
        {
            return "ip:unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "ip:" + address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return "ip:" + new IPAddress(bytes) + "/64";
    }
}
