using System.Net;
using System.Net.Sockets;

namespace OmniChat.AppHost.Hosting;

/// <summary>The ports of every resource. Defaults are the documented local ports (SPEC §3).</summary>
public sealed record PortSet
{
    /// <summary>Ports <see cref="FreePort"/> draws from: from 10,000 up to the kernel's ephemeral range.</summary>
    private static readonly Lazy<(int Low, int High)> PrivatePool = new(() =>
    {
        const int Lowest = 10_000; // above the documented defaults and common development ports
        var ephemeralLow = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            ephemeralLow = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or not readable: assume the usual range.
        }
        return (Lowest, Math.Max(Lowest, ephemeralLow));
    });

    public int Api { get; init; } = 4012;
    public int Realtime { get; init; } = 4013;
    public int AdminPortal { get; init; } = 4014;
    public int TelegramSandbox { get; init; } = 4015;
    public int Workers { get; init; } = 4016;
    public int Postgres { get; init; } = 55432;
    public int Redis { get; init; } = 56379;
    public int RabbitMq { get; init; } = 55672;

    /// <summary>Erlang distribution port of our RabbitMQ node (must not clash with a system node's 25672).</summary>
    public int RabbitMqDistribution { get; init; } = 55673;

    /// <summary>Our own Erlang port mapper (epmd) for the RabbitMQ node, on loopback, stopped with it.</summary>
    public int RabbitMqEpmd { get; init; } = 55674;

    /// <summary>A set of currently free ports, for tests that must never touch a developer's running instance.</summary>
    public static PortSet Free()
    {
        var taken = new HashSet<int>();
        int Next()
        {
            int port;
            do
            {
                port = FreePort();
            }
            while (!taken.Add(port));
            return port;
        }
        return new()
        {
            Api = Next(), Realtime = Next(), AdminPortal = Next(), TelegramSandbox = Next(), Workers = Next(),
            Postgres = Next(), Redis = Next(), RabbitMq = Next(), RabbitMqDistribution = Next(), RabbitMqEpmd = Next(),
        };
    }

    /// <summary>
    /// A port nothing listens on now, chosen at random below the kernel's ephemeral range: a port the kernel hands out
    /// for outgoing connections (which is what binding port 0 returns) can be taken by any client socket in the seconds
    /// before the service binds it, which made parallel test runs fail now and then with <see cref="PortInUseException"/>.
    /// </summary>
    public static int FreePort()
    {
        var (low, high) = PrivatePool.Value;
        for (var attempt = 0; high > low && attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            if (CanListen(port))
            {
                return port;
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Throws <see cref="PortInUseException"/> when something already listens on <paramref name="port"/>.</summary>
    public static void EnsureFree(int port, string resource, string overrideSetting)
    {
        if (!CanListen(port))
        {
            throw new PortInUseException(port, resource, overrideSetting);
        }
    }

    /// <summary>True when something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A port the AppHost needs is taken.</summary>
public sealed class PortInUseException(int port, string resource, string overrideSetting)
    : Exception($"Port {port} for {resource} is already in use. Stop the process listening there (see: ss -ltnp 'sport = :{port}') or choose another port with {overrideSetting}=<port>.");
