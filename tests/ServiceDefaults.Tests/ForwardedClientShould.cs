using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public void BelieveAProxyInAConfiguredNetworkAndNoneOutsideIt()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/8" });
        builder.AddForwardedClient();
        using var services = builder.Services.BuildServiceProvider();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Equal(IPAddress.Parse("203.0.113.9"), ForwardedClient.ClientAddress(IPAddress.Parse("10.42.0.17"), "203.0.113.9", options));
        Assert.Equal(IPAddress.Parse("192.168.1.5"), ForwardedClient.ClientAddress(IPAddress.Parse("192.168.1.5"), "203.0.113.9", options));
        Assert.Empty(options.KnownProxies);
    }

    [Fact]
    public void RefuseToStartWithANetworkThatDoesNotParse()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/99" });

        var refused = Assert.Throws<InvalidOperationException>(builder.AddForwardedClient);

        Assert.Contains("ForwardedHeaders:KnownNetworks", refused.Message, StringComparison.Ordinal);
    }
}
