using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// Posts each bot's pending updates to its webhook as Telegram does: one at a time per bot, in <c>update_id</c> order,
/// with <c>X-Telegram-Bot-Api-Secret-Token</c> when a secret was set. A non-2xx answer or a failed connection keeps the
/// update pending (shown by getWebhookInfo) and it is tried again after a delay that doubles up to a cap; setting or
/// deleting the webhook cuts a wait short. Each bot has its own loop, so one bot's broken webhook never delays another.
/// Uses its own HttpClient: the default pipeline's resilience handler would retry on its own.
/// </summary>
public sealed partial class WebhookDelivery(BotApiState state, UpdateSignals signals, IOptions<SandboxOptions> options, ILogger<WebhookDelivery> logger)
    : BackgroundService
{
    private const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    private readonly SandboxOptions _options = options.Value;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), AllowAutoRedirect = false })
    {
        Timeout = options.Value.WebhookTimeout,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new Dictionary<long, (Channel<bool> Wake, Task Loop)>();
        try
        {
            await foreach (var botId in signals.ReadAllAsync(stoppingToken))
            {
                if (!loops.TryGetValue(botId, out var loop))
                {
                    var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
                    loop = loops[botId] = (wake, DeliverAsync(botId, wake.Reader, stoppingToken));
                }
                loop.Wake.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(loops.Values.Select(l => l.Loop));
    }

    private async Task DeliverAsync(long botId, ChannelReader<bool> wake, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (state.NextDelivery(botId) is not { } delivery)
                {
                    failures = 0;
                    await wake.ReadAsync(cancellationToken);
                    continue;
                }
                var error = await PostAsync(delivery, cancellationToken);
                if (error is null)
                {
                    state.Delivered(botId, delivery.UpdateId);
                    failures = 0;
                    continue;
                }
                state.DeliveryFailed(botId, error);
                failures++;
                LogDeliveryFailed(botId, delivery.UpdateId, failures, error);
                await WaitToRetryAsync(botId, delivery.WebhookVersion, RetryDelay(failures), wake, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromTicks(Math.Min(_options.WebhookMaxRetryDelay.Ticks, _options.WebhookRetryDelay.Ticks * (1L << Math.Min(failures - 1, 20))));

    // New updates wake the loop too; only a changed webhook ends the wait early.
    private async Task WaitToRetryAsync(long botId, int webhookVersion, TimeSpan delay, ChannelReader<bool> wake, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(delay);
        try
        {
            while (true)
            {
                await wake.ReadAsync(timeout.Token);
                if (state.WebhookVersion(botId) != webhookVersion)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Null when the webhook took the update; else the error as getWebhookInfo shows it.</summary>
    private async Task<string?> PostAsync(PendingDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        if (delivery.SecretToken is { } secret)
        {
            request.Headers.Add(SecretHeader, secret);
        }
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? null : $"Wrong response from the webhook: {status} {ReasonPhrases.GetReasonPhrase(status)}".TrimEnd();
        }
        catch (HttpRequestException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return "Connection refused";
        }
        catch (HttpRequestException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain })
        {
            return "Failed to resolve host: Name or service not known";
        }
        catch (HttpRequestException)
        {
            return "Connection failed";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "Read timeout expired";
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of bot {BotId} did not take update {UpdateId} (attempt {Attempt}): {Error}")]
    private partial void LogDeliveryFailed(long botId, int updateId, int attempt, string error);
}
