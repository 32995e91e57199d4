using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OmniChat.ServiceDefaults;

/// <summary>
/// The cross-cutting defaults every OmniChat service starts with (the role of .NET Aspire's ServiceDefaults):
/// configuration aliases, OpenTelemetry, health checks, request ids, service discovery and HttpClient resilience.
/// </summary>
public static class Extensions
{
    /// <summary>Health checks with this tag run on <c>/health</c> (liveness).</summary>
    public const string LiveTag = "live";

    /// <summary>Health checks with this tag run on <c>/ready</c> (readiness: dependencies reachable, migrations applied).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Adds the OmniChat service defaults. Call it first in every service's <c>Program.cs</c>.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        SeedAliases.Apply(builder.Configuration);
        builder.ConfigureLogging();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddManagementPort();
        builder.AddForwardedClient();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        builder.Services.AddSingleton(TimeProvider.System);

        return builder;
    }

    private static void ConfigureLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.ClearProviders();
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }

        // The hosting diagnostics line prints the full URL including the query string, where tokens travel
        // (WebSocket handshakes). RequestIdMiddleware logs each request with its path only.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);
        // "Hosting failed to start" repeats, with a stack trace, what RunServiceAsync reports in one line per setting.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryNames.Meters)
                .AddPrometheusExporter());

        // Spans are only worth recording when something receives them: without an OTLP endpoint, tracing stays off
        // (every request would otherwise build and drop an activity per span; bench scenario 8 measured the cost).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(TelemetryNames.ActivitySources)
                    // Commands of the service's IConnectionMultiplexer (when it registers one): rate limits, fan-out, leases.
                    .AddRedisInstrumentation()
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                    .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = (activity, request) =>
                    {
                        // Bot API calls carry the bot token in the path; the query is already left out.
                        if (request.RequestUri is { } uri)
                        {
                            activity.SetTag("url.full", SecretUrls.Redact(uri));
                        }
                    }))
                .UseOtlpExporter();
        }
    }

    private static void AddDefaultHealthChecks(this IHostApplicationBuilder builder) =>
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    /// <summary>
    /// Maps <c>/health</c> (liveness), <c>/ready</c> (readiness), <c>/metrics</c> (Prometheus) and the request-id middleware.
    /// <c>/metrics</c> is served on the management port when <c>Management:Port</c> is set (and there only); without it, in
    /// Development only, on the service's own port (<see cref="ManagementOptions"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseForwardedClient(); // before anything reads the client's address
        app.UseMiddleware<RequestIdMiddleware>();
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealthAsync,
        });
        app.MapHealthChecks("/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag) || r.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealthAsync,
        });
        app.UseManagementPort();
        return app;
    }

    /// <summary>
    /// Runs the service. A configuration error found at start (a missing required setting) ends the process with
    /// exit code 78 and one line naming the setting, instead of a stack trace.
    /// </summary>
    public static async Task RunServiceAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var name = app.Environment.ApplicationName; // the host is disposed when RunAsync throws
        try
        {
            await app.RunAsync();
        }
        catch (Exception ex) when (ConfigurationFailures(ex) is { Count: > 0 } failures)
        {
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"{name}: {failure}");
            }
            Environment.ExitCode = 78;
        }
    }

    private static List<string> ConfigurationFailures(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)],
        _ => [],
    };


    /// <summary>Whether <paramref name="path"/> is a probe or a scrape (<c>/health</c>, <c>/ready</c>, <c>/metrics</c>), left out of traces and request metrics.</summary>
    public static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/ready") || path.StartsWithSegments("/metrics");

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        // Only names and states: exception text can carry connection details.
        var body = new HealthResponse(
            report.Status.ToString(),
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJsonContext.Default.HealthResponse,
            context.RequestAborted);
    }
}
