using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Bench;

/// <summary>
/// The system under test, started through the AppHost library on its own ports and data directory: PostgreSQL, Redis
/// and the Api. The default tenant is moved to an unlimited plan and the per-IP/per-conversation limits are lifted, so
/// the benchmark measures the write path rather than the rate limiter's refusals (the limiter still runs).
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly string _directory;

    private BenchEnvironment(DistributedApplication app, string directory)
    {
        App = app;
        _directory = directory;
    }

    public DistributedApplication App { get; }

    public Guid TenantId => App.Credentials.Tenants.Single(t => t.Identifier == "default").Id;

    /// <summary>The services most scenarios measure: the Api and the Realtime hub (and the sandbox for the sender).</summary>
    public static readonly IReadOnlyList<string> DefaultServices = [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Realtime];

    public static async Task<BenchEnvironment> StartAsync(CancellationToken cancellationToken) => await StartAsync(DefaultServices, cancellationToken);

    /// <summary>The system with <paramref name="services"/> (a scenario that needs the Workers starts its own).</summary>
    public static async Task<BenchEnvironment> StartAsync(IReadOnlyList<string> services, CancellationToken cancellationToken) =>
        await StartAsync(services, new Dictionary<string, int>(), cancellationToken);

    /// <summary>The system with <paramref name="services"/>, some of them in several instances behind the AppHost's balancer.</summary>
    public static async Task<BenchEnvironment> StartAsync(IReadOnlyList<string> services, IReadOnlyDictionary<string, int> replicas,
        CancellationToken cancellationToken)
    {
        // Tens of thousands of sockets need as many descriptors here and in the hub (children inherit the limit).
        FileDescriptors.Raise(200_000);
        var directory = Directory.CreateTempSubdirectory("omnichat-bench-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var app = await DistributedApplication.StartAsync(new AppHostOptions
        {
            DataDirectory = directory,
            Ports = PortSet.Free(),
            Services = services,
            Replicas = replicas,
            Environment = "Production",
            UnlimitedTenants = ["default"],
            ServiceEnvironment = new Dictionary<string, string>
            {
                ["RateLimits__PerIpPerMinute"] = "1000000000",
                ["RateLimits__PerConversationPerMinute"] = "1000000000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Realtime__MaxConnectionsPerIp"] = "1000000",
                ["Realtime__MaxConnectionsPerConversation"] = "1000000",
                // Scenario 9 opens a thousand agent streams with one key.
                ["EventStreams__MaxPerTenant"] = "1000000",
                ["EventStreams__MaxPerApiKey"] = "1000000",
                // The portal (scenario 10) requires an SMTP host outside Development; the benchmark sends no mail.
                ["Smtp__Host"] = "127.0.0.1",
                // Scenario 5 measures the hub at rest with 30 s pings.
                ["Realtime__PingInterval"] = "00:00:30",
            },
        }, cancellationToken);
        var environment = new BenchEnvironment(app, directory);
        return environment;
    }

    public HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = App.ServiceUrls[ResourceNames.Api],
    };

    /// <summary>A fresh v1 conversation and its token.</summary>
    public static async Task<(Guid Id, AuthenticationHeaderValue Token)> StartConversationAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync("/v1/conversations", JsonBody.Of(new { name = "bench" }), cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (body.GetProperty("conversationId").GetGuid(), new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString()));
    }

    /// <summary>POSTs <paramref name="body"/> with <paramref name="authorization"/>; any status but success throws.</summary>
    public static async Task PostAsync(HttpClient client, string path, HttpContent body, AuthenticationHeaderValue authorization,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Authorization = authorization;
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The process's open-file limit (setrlimit), raised as far as the system lets us.</summary>
internal static partial class FileDescriptors
{
    private const int NoFile = 7; // RLIMIT_NOFILE on Linux

    /// <summary>The soft limit now in force.</summary>
    public static ulong Current => GetRLimit(NoFile, out var limit) == 0 ? limit.Current : 0;

    public static void Raise(ulong wanted)
    {
        if (GetRLimit(NoFile, out var limit) != 0)
        {
            return;
        }
        // Root may raise the hard limit too (up to fs.nr_open); anyone may raise the soft limit to the hard one.
        var raised = new RLimit { Current = wanted, Maximum = Math.Max(wanted, limit.Maximum) };
        if (SetRLimit(NoFile, in raised) != 0)
        {
            raised = new RLimit { Current = Math.Min(wanted, limit.Maximum), Maximum = limit.Maximum };
            _ = SetRLimit(NoFile, in raised);
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
