using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace OmniChat.ServiceDefaults.Tests;

public sealed class ForwardedClientShould
{
    private static ForwardedHeadersOptions Trusting(params string[] proxies)
    {
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }
        return options;
    }

    [Fact]
    public void TakeTheLastForwardedAddressFromAKnownProxy() =>
        Assert.Equal(IPAddress.Parse("198.51.100.7"),
            ForwardedClient.ClientAddress(IPAddress.Loopback, "203.0.113.9, 198.51.100.7", Trusting("127.0.0.1")));

    [Fact]
    public void IgnoreTheHeaderFromAPeerThatIsNoKnownProxy() =>
        Assert.Equal(IPAddress.Parse("192.0.2.1"),
            ForwardedClient.ClientAddress(IPAddress.Parse("192.0.2.1"), "203.0.113.9", Trusting("127.0.0.1")));

    [Fact]
    public void IgnoreTheHeaderWhenNoProxyIsConfigured() =>
        Assert.Equal(IPAddress.Loopback, ForwardedClient.ClientAddress(IPAddress.Loopback, "203.0.113.9", Trusting()));

    [Fact]
    public void KeepThePeerWhenTheForwardedValueIsNoAddress() =>
        Assert.Equal(IPAddress.Loopback, ForwardedClient.ClientAddress(IPAddress.Loopback, "unknown", Trusting("127.0.0.1")));

    [Fact]
    public void ReadAnIpv6ClientWithAPort() =>
        Assert.Equal(IPAddress.Parse("2001:db8::5"),
            ForwardedClient.ClientAddress(IPAddress.Loopback, "[2001:db8::5]:443", Trusting("127.0.0.1")));
}
