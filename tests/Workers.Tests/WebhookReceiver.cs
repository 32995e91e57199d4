using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OmniChat.TestKit.Contract;

namespace OmniChat.Workers.Tests;

/// <summary>One request a receiver got.</summary>
public sealed record ReceivedDelivery(string Path, string EventId, string Signature, string Body, int AnsweredWith);

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel in the test process) that records deliveries and answers as told. Given the
/// Api's OpenAPI document, it holds every delivery to the document's <c>webhooks</c> entry of its type (body and signature
/// headers): <see cref="WaitForAsync"/> throws on the first delivery that breaks it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly OpenApiContract? _contract;
    private readonly ConcurrentDictionary<string, int> _attemptsByEvent = new();
    private readonly ConcurrentQueue<string> _violations = new();

    private WebhookReceiver(WebApplication app, OpenApiContract? contract) => (_app, _contract) = (app, contract);

    public ConcurrentQueue<ReceivedDelivery> Received { get; } = new();

    /// <summary>The status to answer with, given the path and how many times this event id came before (0 for the first).</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    /// <summary>Awaited before answering a request on a path (recorded as received already): a receiver that hangs.</summary>
    public Func<string, Task> Hold { get; set; } = _ => Task.CompletedTask;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(OpenApiContract? contract = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, contract);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var eventId = http.Request.Headers["OmniChat-Event-Id"].ToString();
            var before = receiver._attemptsByEvent.AddOrUpdate(eventId, 0, (_, n) => n + 1);
            receiver.Check(body, http.Request.Headers);
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
            if (!_violations.IsEmpty)
            {
                throw new OpenApiContractViolationException([.. _violations], null);
            }
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

    private void Check(string body, IHeaderDictionary headers)
    {
        if (_contract is null)
        {
            return;
        }
        string type;
        try
        {
            type = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("type").GetString() ?? "";
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            _violations.Enqueue($"a delivery that is no webhook body: {body}");
            return;
        }
        foreach (var violation in _contract.CheckWebhook(type, body, headers.ContainsKey))
        {
            _violations.Enqueue(violation);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
