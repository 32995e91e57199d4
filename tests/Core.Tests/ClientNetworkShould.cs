using System.Net;
using OmniChat.Core.RateLimiting;

namespace OmniChat.Core.Tests;

/// <summary>Which per-IP bucket a client address charges.</summary>
public sealed class ClientNetworkShould
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::5")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff")]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7")]
    public void ChargeOneBucketForAddressesOfOneNetwork(string first, string second) =>
        Assert.Equal(ClientNetwork.BucketKey(IPAddress.Parse(first)), ClientNetwork.BucketKey(IPAddress.Parse(second)));

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    [InlineData("203.0.113.7", "203.0.113.8")]
    public void ChargeSeparateBucketsForOtherNetworks(string first, string second) =>
        Assert.NotEqual(ClientNetwork.BucketKey(IPAddress.Parse(first)), ClientNetwork.BucketKey(IPAddress.Parse(second)));

    [Fact]
    public void NameTheIpv6NetworkByItsSlash64Prefix() =>
        Assert.Equal("ip:2001:db8:1:2::/64", ClientNetwork.BucketKey(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
}
