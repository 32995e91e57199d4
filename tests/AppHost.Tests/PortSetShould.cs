using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OmniChat.AppHost.Hosting;

namespace OmniChat.AppHost.Tests;

/// <summary>Free ports for tests and the bench: distinct, listenable, and outside the range outgoing connections draw from.</summary>
public sealed class PortSetShould
{
    [Fact]
    public void HandOutDistinctListenablePortsBelowTheEphemeralRange()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
            .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);

        var sets = Enumerable.Range(0, 20).Select(_ => PortSet.Free()).ToList();

        foreach (var set in sets)
        {
            int[] ports = [set.Api, set.Realtime, set.AdminPortal, set.TelegramSandbox, set.Workers, set.Postgres, set.Redis, set.RabbitMq,
                set.RabbitMqDistribution, set.RabbitMqEpmd];
            Assert.Equal(ports.Length, ports.Distinct().Count());
            Assert.All(ports, port => Assert.InRange(port, 10_000, ephemeralLow - 1));
        }
        var port = PortSet.FreePort();
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Assert.Throws<PortInUseException>(() => PortSet.EnsureFree(port, "api", "OMNICHAT_API_PORT"));
    }
}
