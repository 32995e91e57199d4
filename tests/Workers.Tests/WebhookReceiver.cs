using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OmniChat.Workers.Tests;

/// <summary>One request a receiver got.</summary>
public sealed record ReceivedDelivery(string Path, string EventId, string Signature, string Body, int AnsweredWith);

/// <summary>A real HTTP receiver on 127.0.0.1 (Kestrel in the test process) that records deliveries and answers as told.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attemptsByEvent = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedDelivery> Received { get; } = new();

    /// <summary>The status to answer with, given the path and how many times this event id came before (0 for the first).</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    /// <summary>Awaited before answering a request on a path (recorded as received already): a receiver that hangs.</summary>
    public Func<string, Task> Hold { get; set; } = _ => Task.CompletedTask;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var eventId = http.Request.Headers["OmniChat-Event-Id"].ToString();
            var before = receiver._attemptsByEvent.AddOrUpdate(eventId, 0, (_, n) => n + 1);
            var status = receiver.Answer(http.Request.Path.Value ?? "", before);
            receiver.Received.Enqueue(new ReceivedDelivery(http.Request.Path.Value ?? "", eventId, http.Request.Headers["OmniChat-Signature"].ToString(), body, status));
            await receiver.Hold(http.Request.Path.Value ?? "");
            return Results.StatusCode(status);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseUrl = new Uri(address);
        return receiver;
    }

    /// <summary>Waits until <paramref name="done"/> holds for what was received at <paramref name="path"/>.</summary>
    public async Task<List<ReceivedDelivery>> WaitForAsync(string path, Func<List<ReceivedDelivery>, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var snapshot = Received.Where(r => r.Path == path).ToList();
            if (done(snapshot))
            {
                return snapshot;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path}: not received in {seconds} s ({snapshot.Count} so far).");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
