using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using OmniChat.Core.Webhooks;

namespace OmniChat.Core.Tests;

/// <summary>The webhook SSRF guard: what it refuses, with which answer, and how its HTTP handler connects.</summary>
public sealed class WebhookTargetPolicyShould
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A stand-in resolver: internal.example resolves to a private address, nowhere.example does not resolve.
    private static Task<IPAddress[]> Resolve(string host, CancellationToken cancellationToken) => host switch
    {
        "internal.example" => Task.FromResult(new[] { IPAddress.Parse("10.1.2.3") }),
        "mixed.example" => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14"), IPAddress.Parse("192.168.1.10") }),
        "public.example" => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") }),
        _ => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)),
    };

    private static WebhookTargetPolicy Policy() => new(Options.Create(new WebhookOptions()), Resolve);

    [Theory]
    [InlineData("http://127.0.0.1/hook")] // loopback
    [InlineData("http://[::1]/hook")] // loopback
    [InlineData("http://172.16.0.1/hook")] // 172.16/12, first
    [InlineData("http://172.31.255.254/hook")] // 172.16/12, last
    [InlineData("http://[fc00::1]/hook")] // unique local, fc00::/7
    [InlineData("http://[fd12:3456::1]/hook")] // unique local, fc00::/7
    [InlineData("http://100.64.0.1/hook")] // carrier-grade NAT, 100.64/10
    [InlineData("http://224.0.0.1/hook")] // multicast
    [InlineData("http://[ff02::1]/hook")] // multicast
    [InlineData("http://[64:ff9b::a00:1]/hook")] // NAT64 of 10.0.0.1
    [InlineData("http://[64:ff9b::808:808]/hook")] // NAT64 of a public address: still a gateway into the operator's network
    [InlineData("http://[64:ff9b:1::a00:1]/hook")] // local-use NAT64
    [InlineData("http://[::a00:1]/hook")] // IPv4-compatible 10.0.0.1
    [InlineData("http://[::808:808]/hook")] // IPv4-compatible, deprecated form
    [InlineData("http://[::ffff:192.168.1.1]/hook")] // IPv4-mapped: judged as 192.168.1.1
    [InlineData("http://[::ffff:169.254.169.254]/hook")] // IPv4-mapped metadata service
    [InlineData("https://internal.example/hook")] // a name resolving to a private address
    [InlineData("https://mixed.example/hook")] // a name resolving to a public and a private address
    [InlineData("https://nowhere.example/hook")] // a name that does not resolve: the same answer
    public async Task RefuseTargetsThatAreNotPublicWithOneAnswer(string url)
    {
        var problem = await Policy().CheckAsync(url, Ct);

        Assert.Equal(WebhookTargetPolicy.NotPublicMessage, problem);
    }

    [Theory]
    [InlineData("https://public.example/hook")]
    [InlineData("https://93.184.215.14/hook")]
    [InlineData("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook")]
    public async Task AcceptPublicTargets(string url)
    {
        Assert.Null(await Policy().CheckAsync(url, Ct));
    }

    [Fact]
    public void NeverSendDeliveriesThroughAProxy()
    {
        using var handler = Policy().CreateHandler();

        Assert.False(handler.UseProxy);
    }

    [Fact]
    public async Task RefuseToConnectToANameResolvingToAPrivateAddressWithTheSameAnswer()
    {
        using var client = new HttpClient(Policy().CreateHandler());

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://internal.example/hook"), Ct));
        var unresolved = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://nowhere.example/hook"), Ct));

        Assert.StartsWith(WebhookTargetPolicy.NotPublicMessage, refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message.Replace("internal", "nowhere", StringComparison.Ordinal), unresolved.Message);
    }
}
