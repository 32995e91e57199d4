using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Messaging;

namespace OmniChat.ServiceDefaults.Tests;

/// <summary>An <c>amqps://</c> connection string means TLS on the wire, not a plain AMQP connection to another port.</summary>
public sealed class AmqpsShould
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenTheBrokerConnectionWithATlsHandshake()
    {
        // A stand-in broker that only records what the client sends first.
        using var broker = new TcpListener(IPAddress.Loopback, 0);
        broker.Start();
        var port = ((IPEndPoint)broker.LocalEndpoint).Port;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = $"amqps://omni:secret@127.0.0.1:{port}/",
        });
        builder.Services.AddLogging();
        builder.AddOmniChatMessaging();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        byte[] first = new byte[3];
        try
        {
            using var client = await broker.AcceptTcpClientAsync(Ct);
            await client.GetStream().ReadExactlyAsync(first, Ct);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        // A TLS record of type handshake (22), version 3.x; a plain client would have sent "AMQP".
        Assert.Equal(0x16, first[0]);
        Assert.Equal(0x03, first[1]);
    }

    [Fact]
    public void DefaultToTheTlsPortForAmqps()
    {
        var amqp = AmqpAddress.Parse("amqps://omni:pw@broker.internal/prod");

        Assert.Equal(new AmqpAddress("broker.internal", 5671, "prod", "omni", "pw", UseTls: true), amqp);
    }
}
