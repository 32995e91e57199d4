using System.Diagnostics;
using OmniChat.Core;

namespace OmniChat.AdminPortal.Operator;

/// <summary>
/// Asks every service for its readiness (<c>GET /ready</c>) at the address the AppHost (or the deployment) gives each
/// service, <c>services__&lt;name&gt;__http__0</c>. A plain client without retries: a probe reports what it sees at once.
/// </summary>
internal sealed class ServiceProbes(IConfiguration configuration) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>The services the platform is made of, in the order the console shows them.</summary>
    public static IReadOnlyList<string> Services { get; } =
        [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal, ResourceNames.TelegramSandbox];

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout };

    /// <summary>Probes every configured service at once.</summary>
    public async Task<IReadOnlyList<ServiceReadiness>> ProbeAllAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Services.Select(name => ProbeAsync(name, cancellationToken)));

    private async Task<ServiceReadiness> ProbeAsync(string name, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(configuration[$"services:{name}:http:0"], UriKind.Absolute, out var baseUrl))
        {
            return new ServiceReadiness(name, null, ServiceState.NotConfigured, new Dictionary<string, string>(), null);
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.GetAsync(new Uri(baseUrl, "/ready"), cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var body = await ReadBodyAsync(response, cancellationToken);
            var state = response.IsSuccessStatusCode ? ServiceState.Ready : ServiceState.NotReady;
            return new ServiceReadiness(name, baseUrl, state, body?.Checks ?? new Dictionary<string, string>(), elapsed);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ServiceReadiness(name, baseUrl, ServiceState.Unreachable, new Dictionary<string, string>(), null);
        }
    }

    private static async Task<ReadyBody?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ReadyBody>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed record ReadyBody(string? Status, Dictionary<string, string>? Checks);
}

/// <summary>What a service's <c>/ready</c> said.</summary>
internal enum ServiceState
{
    Ready,
    NotReady,
    Unreachable,
    NotConfigured,
}

/// <summary>One service's readiness: its state, the state of each of its checks, and how long the probe took.</summary>
internal sealed record ServiceReadiness(string Name, Uri? Url, ServiceState State, IReadOnlyDictionary<string, string> Checks, TimeSpan? Elapsed);
