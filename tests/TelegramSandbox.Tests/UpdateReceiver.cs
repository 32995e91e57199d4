using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>One POST a bot's webhook got: the secret header, the update, and what the receiver answered.</summary>
public sealed record ReceivedUpdate(string? SecretToken, JsonElement Update, int AnsweredWith)
{
    public int UpdateId => Update.GetProperty("update_id").GetInt32();
}

/// <summary>A bot's webhook in the test process (Kestrel on 127.0.0.1) that records updates and answers as told.</summary>
public sealed class UpdateReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private UpdateReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedUpdate> Received { get; } = new();

    /// <summary>The status to answer with.</summary>
    public Func<int> Answer { get; set; } = () => 200;

    public Uri Url { get; private set; } = null!;

    public static async Task<UpdateReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new UpdateReceiver(app);
        app.MapPost("/telegram/webhook", async (HttpContext http) =>
        {
            var update = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, cancellationToken: http.RequestAborted);
            var status = receiver.Answer();
            var secret = http.Request.Headers.TryGetValue("X-Telegram-Bot-Api-Secret-Token", out var value) ? value.ToString() : null;
            receiver.Received.Enqueue(new ReceivedUpdate(secret, update, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/telegram/webhook");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
