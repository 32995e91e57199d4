using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// A small reverse proxy (YARP) inside the AppHost process, on a service's public port, in front of that service's
/// instances (ADR 0036): round robin, WebSocket upgrades proxied as they are, each destination probed on <c>/ready</c>
/// and taken out after a transport failure, the client's address passed on in <c>X-Forwarded-For</c> (set, never
/// appended: whatever a client sends there itself is dropped) and its <c>Host</c> header kept, so the services' origin
/// checks and links see the address the client used.
/// </summary>
internal sealed class LocalBalancer : IAsyncDisposable
{
    /// <summary>How often each instance's <c>/ready</c> is probed.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private LocalBalancer(WebApplication app) => _app = app;

    /// <summary>Listens on <paramref name="port"/> (127.0.0.1) and proxies to <paramref name="destinations"/>.</summary>
    public static async Task<LocalBalancer> StartAsync(string service, int port, IReadOnlyList<Uri> destinations, LogSink logs,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the service behind enforces its own limits
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new BalancerLogProvider(service + ".lb", logs));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddReverseProxy().LoadFromMemory([Route(service)], [Cluster(service, destinations)]);

        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(cancellationToken);
        return new LocalBalancer(app);
    }

    private static RouteConfig Route(string service) => new()
    {
        RouteId = service,
        ClusterId = service,
        Match = new RouteMatch { Path = "/{**rest}" },
        Transforms =
        [
            new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" },
            new Dictionary<string, string> { ["X-Forwarded"] = "Set", ["For"] = "Set", ["Proto"] = "Set", ["Host"] = "Remove", ["Prefix"] = "Remove" },
        ],
    };

    private static ClusterConfig Cluster(string service, IReadOnlyList<Uri> destinations) => new()
    {
        ClusterId = service,
        LoadBalancingPolicy = "RoundRobin",
        Destinations = destinations.Select((url, i) => (url, i)).ToDictionary(
            d => $"{service}.{(d.i + 1).ToString(CultureInfo.InvariantCulture)}",
            d => new DestinationConfig { Address = d.url.ToString() }),
        HealthCheck = new HealthCheckConfig
        {
            // While every instance is down (all restarting), try them anyway rather than answer 503 at once.
            AvailableDestinationsPolicy = "HealthyOrPanic",
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = ProbeInterval,
                Timeout = TimeSpan.FromSeconds(2),
                Policy = "ConsecutiveFailures",
                Path = "/ready",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = "TransportFailureRate",
                ReactivationPeriod = TimeSpan.FromSeconds(5),
            },
        },
        Metadata = new Dictionary<string, string>
        {
            // One failed probe is enough on a local machine: a refused connection means the process is gone.
            ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1",
        },
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
        {
            // Event streams and sockets stay open while idle (the hub pings every 25 s); the default 100 s would do, but a
            // long SSE poll interval must not be cut by the balancer.
            ActivityTimeout = TimeSpan.FromMinutes(10),
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>The balancer's warnings (a destination marked unhealthy, a proxy error) go to <c>logs/&lt;service&gt;.lb.log</c>.</summary>
    private sealed class BalancerLogProvider(string resource, LogSink logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new BalancerLogger(resource, logs);

        public void Dispose()
        {
        }
    }

    private sealed class BalancerLogger(string resource, LogSink logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                ArgumentNullException.ThrowIfNull(formatter);
                logs.Line(resource, $"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " (" + exception.Message + ")")}");
            }
        }
    }
}
