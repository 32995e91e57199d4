using System.Globalization;
using OmniChat.AppHost.Hosting;
using OmniChat.TestKit;

namespace OmniChat.AppHost.Tests;

/// <summary>The RabbitMQ node the AppHost starts is reachable from this machine only.</summary>
public sealed class RabbitMqServerShould : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ListenOnLoopbackOnlyForAmqpEpmdAndErlangDistribution()
    {
        var ports = PortSet.Free();
        var options = new AppHostOptions
        {
            DataDirectory = _directory.Path,
            Ports = ports,
            Ephemeral = true,
            Services = [],
            StartRedis = false,
        };
        await using var app = await DistributedApplication.StartAsync(options, TestContext.Current.CancellationToken);

        var listeners = ListeningSockets();

        foreach (var (port, what) in new[] { (ports.RabbitMq, "AMQP"), (ports.RabbitMqEpmd, "epmd"), (ports.RabbitMqDistribution, "Erlang distribution") })
        {
            var addresses = listeners.Where(l => l.Port == port).Select(l => l.Address).ToList();
            Assert.True(addresses.Count > 0, $"nothing listens on the {what} port {port}");
            // epmd adds ::1 to the address it is given; loopback either way.
            Assert.All(addresses, address => Assert.True(System.Net.IPAddress.IsLoopback(address), $"{what} port {port} listens on {address}"));
        }
    }

    // Every listening TCP socket of this machine (/proc/net/tcp and tcp6; state 0A is LISTEN), as (address, port).
    private static List<(System.Net.IPAddress Address, int Port)> ListeningSockets()
    {
        var sockets = new List<(System.Net.IPAddress, int)>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] != "0A")
                {
                    continue;
                }
                var local = fields[1].Split(':');
                sockets.Add((Address(local[0]), int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }
        return sockets;
    }

    // /proc/net prints addresses as host-order 32-bit words in hex.
    private static System.Net.IPAddress Address(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }
        var address = new System.Net.IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
