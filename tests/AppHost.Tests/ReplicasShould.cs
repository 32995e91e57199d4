using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

namespace OmniChat.AppHost.Tests;

/// <summary>
/// <c>--replicas</c>: two Api and two Realtime instances on internal ports behind the AppHost's local balancer on the
/// public ports (ADR 0036). Servers of its own, in a temporary directory.
/// </summary>
public sealed class ReplicasShould : IDisposable
{
    private readonly TestDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ServeThroughTheBalancerFromEveryInstanceAndStartACrashedOneAgain()
    {
        var ports = PortSet.Free();
        var app = await DistributedApplication.StartAsync(new AppHostOptions
        {
            DataDirectory = _directory.Path,
            Ports = ports,
            Ephemeral = true,
            StartRabbitMq = false,
            Services = [ResourceNames.Api, ResourceNames.Realtime],
            Replicas = AppHostOptions.ParseReplicas("api=2,realtime=2"),
        }, Ct);
        IReadOnlyList<int> pids;
        try
        {
            var apis = app.InstancesOf(ResourceNames.Api);
            Assert.Equal(["api.1", "api.2"], apis.Select(i => i.Name));
            Assert.Equal(2, app.InstancesOf(ResourceNames.Realtime).Count);
            Assert.Equal(new Uri($"http://127.0.0.1:{ports.Api}"), app.ServiceUrls[ResourceNames.Api]);
            Assert.DoesNotContain(apis, i => i.Url.Port == ports.Api);

            var tenant = app.Credentials.Tenants.Single(t => t.Identifier == "default");
            using var api = new HttpClient { BaseAddress = app.ServiceUrls[ResourceNames.Api] };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct)).StatusCode);
            }
            // Round robin: each instance answered some of them.
            foreach (var instance in apis)
            {
                Assert.Contains(ReadLog(app, instance.Name), line => line.Contains("GET /v2/tenant responded 200", StringComparison.Ordinal));
            }

            // An agent stream through the balancer: the upgrade is proxied and the first frame arrives.
            using (var ticket = await api.PostAsync(new Uri("/v2/realtime/tickets", UriKind.Relative), null, Ct))
            {
                ticket.EnsureSuccessStatusCode();
                var value = (await ticket.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString()!;
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{ports.Realtime}/v2/agents/ws?ticket={Uri.EscapeDataString(value)}"), Ct);
                var buffer = new byte[4096];
                var frame = await socket.ReceiveAsync(buffer, Ct);
                Assert.Equal("ready", JsonDocument.Parse(buffer.AsMemory(0, frame.Count)).RootElement.GetProperty("type").GetString());
            }

            // A crash: the AppHost starts the instance again on the same port.
            var crashed = apis[0];
            var before = crashed.ProcessId;
            crashed.Crash();
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            {
                wait.CancelAfter(TimeSpan.FromMinutes(3));
                await crashed.WaitForRestartAsync(1, wait.Token);
            }
            Assert.NotEqual(before, crashed.ProcessId);
            using var direct = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(new Uri(crashed.Url, "/ready"), Ct)).StatusCode);

            pids = [.. app.Processes.Select(p => p.Pid)];
        }
        finally
        {
            await app.StopAsync();
        }

        foreach (var pid in pids)
        {
            Assert.Empty(ProcessTable.GroupMembers(pid));
        }
        Assert.False(PortSet.IsListening(ports.Api), "the Api's balancer still listens");
        Assert.False(PortSet.IsListening(ports.Realtime), "the Realtime balancer still listens");
    }

    private static List<string> ReadLog(DistributedApplication app, string resource)
    {
        using var stream = new FileStream(Path.Combine(app.LogDirectory, resource + ".log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }
}
