using Microsoft.Extensions.Configuration;

namespace OmniChat.ServiceDefaults.Tests;

/// <summary>Where the management port listens: the service's own interfaces, on the other port.</summary>
public sealed class ManagementPortShould
{
    private static string ListenUrls(int port, params (string Key, string Value)[] settings) =>
        ManagementEndpoints.ListenUrls(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build(), port);

    [Fact]
    public void ListenOnTheServicesInterfacesToo() =>
        Assert.Equal("http://127.0.0.1:4012;http://[::1]:4012;http://127.0.0.1:9464;http://[::1]:9464",
            ListenUrls(9464, ("urls", "http://127.0.0.1:4012;http://[::1]:4012")));

    [Fact]
    public void FollowTheContainerPortsWhenNoUrlsAreSet() =>
        Assert.Equal("http://*:8080;http://*:9464", ListenUrls(9464, ("http_ports", "8080")));

    [Fact]
    public void ServeTheManagementPortOverPlainHttp() =>
        Assert.Equal("https://0.0.0.0:443;http://0.0.0.0:9464", ListenUrls(9464, ("urls", "https://0.0.0.0:443")));
}
