using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using OmniChat.Core;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 10: how fast an open inbox shows a visitor's message. N agents (50; 10 in a quick run) have the portal's
/// inbox open in chromium, each on its own circuit. A visitor writes (v1 API); ours is the time from the write until
/// the message's text shows in an observed agent's inbox (a MutationObserver in the page stamps it); the baseline, in
/// the same run and for the same writes, is the time until the same event reaches a raw agent socket
/// (<c>/v2/agents/ws</c>), the stream the portal's live updates come from. The ratio is what the portal adds: its
/// feed subscription, the circuit's re-query, render and diff to the browser.
/// </summary>
internal sealed class PortalInboxScenario : IScenario
{
    private const int ObservedPages = 3;

    public string Name => "portal-inbox";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var agents = settings.Quick ? 10 : 50;
        var writes = settings.Quick ? 8 : 40;
        await using var system = await BenchEnvironment.StartAsync(
            [ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal], cancellationToken);
        var tenant = system.App.Credentials.Tenants.Single(t => t.Identifier == "default");
        var key = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var api = system.Client();
        var portal = system.App.ServiceUrls[ResourceNames.AdminPortal].ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"], Headless = true });
        var pages = new List<IPage>(agents);
        for (var i = 0; i < agents; i++)
        {
            var context = await browser.NewContextAsync(new() { BaseURL = portal, ViewportSize = new() { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/account/sign-in?returnUrl=%2Fadmin%2Finbox");
            await page.GetByTestId("email").FillAsync(tenant.Admin.Email);
            await page.GetByTestId("password").FillAsync(tenant.Admin.Password);
            await page.GetByTestId("sign-in").ClickAsync();
            await page.WaitForURLAsync("**/admin/inbox");
            await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            pages.Add(page);
        }
        var observed = pages.Take(ObservedPages).ToList();
        foreach (var page in observed)
        {
            // Stamps (epoch ms) when each awaited text first shows anywhere in the page.
            await page.EvaluateAsync("""
                () => {
                  window.__want = new Set(); window.__seen = {};
                  new MutationObserver(() => {
                    if (window.__want.size === 0) return;
                    const text = document.body.innerText;
                    for (const w of [...window.__want]) {
                      if (text.includes(w)) { window.__seen[w] = Date.now(); window.__want.delete(w); }
                    }
                  }).observe(document.body, { subtree: true, childList: true, characterData: true });
                }
                """);
        }

        using var socket = new ClientWebSocket();
        var realtime = system.App.ServiceUrls[ResourceNames.Realtime];
        await socket.ConnectAsync(new Uri($"ws://{realtime.Authority}/v2/agents/ws?ticket={await TicketAsync(api, key, cancellationToken)}"), cancellationToken);
        using var frames = new FrameWatch(socket);

        var ours = new List<double>();
        var baseline = new List<double>();
        for (var n = 0; n < writes; n++)
        {
            var (conversation, token) = await BenchEnvironment.StartConversationAsync(api, cancellationToken);
            // The conversation's row is in every inbox before its message is timed.
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var text = $"inbox {n} {Guid.NewGuid():N}";
            foreach (var page in observed)
            {
                await page.EvaluateAsync("w => window.__want.add(w)", text);
            }
            var socketSeen = frames.WaitForAsync(text);
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var started = Stopwatch.GetTimestamp();
            await BenchEnvironment.PostAsync(api, $"/v1/conversations/{conversation}/messages", JsonBody.Of(new { text }), token, cancellationToken);
            await socketSeen.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            baseline.Add(Stopwatch.GetElapsedTime(started, frames.SeenAt(text)).TotalMilliseconds);
            foreach (var page in observed)
            {
                await page.WaitForFunctionAsync("w => window.__seen[w] !== undefined", text, new() { Timeout = 30_000 });
                ours.Add(await page.EvaluateAsync<double>("w => window.__seen[w]", text) - at);
            }
        }

        ours.Sort();
        baseline.Sort();
        var p50 = Percentile(ours, 50);
        var basePercentile50 = Math.Max(Percentile(baseline, 50), 1);
        return
        [
            new ScenarioResult(Name, $"{agents} agents' inboxes open, visitor message → row updated (p50)", "ms", p50, basePercentile50,
                p50 / basePercentile50, 0, Pass: true,
                new Dictionary<string, double>
                {
                    ["agents"] = agents,
                    ["samples"] = ours.Count,
                    ["ours_p90_ms"] = Percentile(ours, 90),
                    ["ours_max_ms"] = ours.Count == 0 ? 0 : ours[^1],
                    ["raw_socket_p90_ms"] = Percentile(baseline, 90),
                },
                "Baseline: the same write reaching a raw agent socket. The portal re-reads the inbox page on an event (throttled per circuit) and renders the diff.")
            {
                LowerIsBetter = true,
                Informational = true,
                InformationalGoal = "measured (no goal yet)",
            },
        ];
    }

    private static double Percentile(List<double> sorted, double percentile) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)], 1);

    private static async Task<string> TicketAsync(HttpClient client, AuthenticationHeaderValue key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/realtime/tickets");
        request.Headers.Authorization = key;
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("ticket").GetString()!;
    }

    /// <summary>Reads an agent socket and stamps when a frame carrying an awaited text arrives.</summary>
    private sealed class FrameWatch : IDisposable
    {
        private readonly Dictionary<string, (TaskCompletionSource Seen, long At)> _awaited = [];
        private readonly Lock _gate = new();
        private readonly CancellationTokenSource _stop = new();

        public FrameWatch(ClientWebSocket socket) => _ = ReadAsync(socket);

        public Task WaitForAsync(string text)
        {
            lock (_gate)
            {
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _awaited[text] = (seen, 0);
                return seen.Task;
            }
        }

        public long SeenAt(string text)
        {
            lock (_gate)
            {
                return _awaited[text].At;
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        private async Task ReadAsync(ClientWebSocket socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, _stop.Token);
                    var now = Stopwatch.GetTimestamp();
                    var frame = Encoding.UTF8.GetString(buffer, 0, result.Count);
                    lock (_gate)
                    {
                        foreach (var (text, entry) in _awaited.Where(a => a.Value.At == 0 && frame.Contains(a.Key, StringComparison.Ordinal)).ToList())
                        {
                            _awaited[text] = (entry.Seen, now);
                            entry.Seen.TrySetResult();
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Closed by the scenario.
            }
        }
    }
}
