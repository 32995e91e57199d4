using System.Net;
using System.Net.Sockets;

namespace OmniChat.AppHost.Hosting;

/// <summary>The ports of every resource. Defaults are the documented local ports (SPEC §3).</summary>
public sealed record PortSet
{
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
    public static PortSet Free() => new()
    {
        Api = FreePort(), Realtime = FreePort(), AdminPortal = FreePort(), TelegramSandbox = FreePort(), Workers = FreePort(),
        Postgres = FreePort(), Redis = FreePort(), RabbitMq = FreePort(), RabbitMqDistribution = FreePort(), RabbitMqEpmd = FreePort(),
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Throws <see cref="PortInUseException"/> when something already listens on <paramref name="port"/>.</summary>
    public static void EnsureFree(int port, string resource, string overrideSetting)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException)
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
