using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OmniChat.ServiceDefaults;

/// <summary>Where a service serves its Prometheus metrics (section <c>Management</c>).</summary>
public sealed class ManagementOptions
{
    /// <summary>
    /// A second port, on the same interfaces as the service, that serves <c>/metrics</c>, <c>/health</c> and
    /// <c>/ready</c> and nothing else; <c>/metrics</c> is then served there only. Unset: <c>/metrics</c> is on the service's
    /// own port in Development and not served at all elsewhere.
    /// </summary>
    public int? Port { get; set; }
}

/// <summary>The management port: metrics off the public port outside Development.</summary>
internal static class ManagementEndpoints
{
    public const string MetricsPath = "/metrics";

    public static void AddManagementPort(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ManagementOptions>().BindConfiguration("Management")
            .Validate(o => o.Port is null or > 0 and < 65536, "Management:Port must be a TCP port")
            .ValidateOnStart();
        if (builder.Configuration.GetValue<int?>("Management:Port") is not { } port || port is <= 0 or >= 65536)
        {
            return;
        }
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = ListenUrls(builder.Configuration, port),
        });
    }

    /// <summary>The service's own addresses plus the same interfaces on the management <paramref name="port"/>.</summary>
    internal static string ListenUrls(IConfiguration configuration, int port)
    {
        var urls = ServiceUrls(configuration);
        var management = urls.Select(url => WithPort(url, port)).Distinct(StringComparer.OrdinalIgnoreCase);
        return string.Join(';', urls.Concat(management));
    }

    public static void UseManagementPort(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value.Port;
        if (port is null)
        {
            if (app.Environment.IsDevelopment())
            {
                app.MapPrometheusScrapingEndpoint(MetricsPath);
            }
            return;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Connection.LocalPort == port && context.Request.Path == MetricsPath);
        // The management port is for scrapers and probes: nothing of the service's API answers there.
        app.UseWhen(context => context.Connection.LocalPort == port, branch => branch.Use((context, next) =>
        {
            if (Extensions.IsInfrastructurePath(context.Request.Path))
            {
                return next(context);
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }));
    }

    private static List<string> ServiceUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            return [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")];
        }
        return ["http://localhost:5000"]; // Kestrel's own default
    }

    private static string WithPort(string url, int port)
    {
        // Plain HTTP: scrapers and probes reach it inside the cluster; TLS, if any, ends before the service's own port.
        var host = BindingAddress.Parse(url).Host;
        return $"http://{host}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
