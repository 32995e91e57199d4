using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniChat.Core.RateLimiting;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>A message for a Telegram chat: a private chat (positive id) or a group's forum topic (negative id + thread).</summary>
public sealed record TelegramOutgoingMessage(long ChatId, string Text, int? ThreadId = null, bool Silent = false, InlineKeyboardMarkup? Buttons = null);

/// <summary>
/// Sends to the Bot API within Telegram's limits, for any tenant's bot. Before each call it takes a token from Redis
/// buckets shared by every Workers instance: the bot's (30/s) and the chat's (1/s private, 20/min group), so a flood
/// is paced here rather than refused by Telegram. A 429 still honours <c>retry_after</c> (or a fallback); 5xx and
/// connection failures back off exponentially with jitter; a request that was sent but never answered is not retried,
/// because Telegram has no idempotency key and a retry could post the message twice. Each bot has its own buckets and
/// every wait is asynchronous, so one tenant's flood limit or broken token never delays another tenant's sends.
/// </summary>
public sealed partial class TelegramSender : IDisposable
{
    private readonly RedisRateLimiter _limiter;
    private readonly TelegramOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TelegramSender> _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, TelegramBotClient> _clients = new(StringComparer.Ordinal);

    public TelegramSender(RedisRateLimiter limiter, IOptions<TelegramOptions> options, TimeProvider time, ILogger<TelegramSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limiter = limiter;
        _options = options.Value;
        _time = time;
        _logger = logger;
        // Our own client: the shared HttpClient defaults add a resilience handler that would retry 429 and 5xx on its own,
        // blind to Telegram's retry_after and to the risk of a double post.
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = _options.RequestTimeout,
        };
    }

    /// <summary>Sends <paramref name="message"/> as <paramref name="bot"/>; throws <see cref="TelegramSendException"/> when it cannot.</summary>
    public Task<Message> SendMessageAsync(TelegramBot bot, TelegramOutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(bot, message.ChatId, "sendMessage", (client, ct) => client.SendMessage(message.ChatId, message.Text,
            messageThreadId: message.ThreadId, disableNotification: message.Silent, replyMarkup: message.Buttons, cancellationToken: ct),
            cancellationToken);
    }

    /// <summary>
    /// Uploads a file into a chat (a topic with <paramref name="threadId"/>): <c>sendPhoto</c> when <paramref name="asPhoto"/>,
    /// else <c>sendDocument</c>. <paramref name="open"/> gives the bytes afresh for each attempt (a retry after a 429 or a
    /// connection that was never made uploads them again; a request sent without an answer is not retried, as for text).
    /// </summary>
    public Task<Message> SendFileAsync(TelegramBot bot, long chatId, int? threadId, bool silent, bool asPhoto, string fileName,
        Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        ArgumentNullException.ThrowIfNull(open);
        return SendAsync(bot, chatId, asPhoto ? "sendPhoto" : "sendDocument", async (client, ct) =>
        {
            await using var content = await open(ct);
            var file = InputFile.FromStream(content, fileName);
            return asPhoto
                ? await client.SendPhoto(chatId, file, messageThreadId: threadId, disableNotification: silent, cancellationToken: ct)
                : await client.SendDocument(chatId, file, messageThreadId: threadId, disableNotification: silent, cancellationToken: ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Downloads a file a person sent (<c>getFile</c>, then the file URL under <see cref="TelegramOptions.ApiBaseUrl"/>) into
    /// <paramref name="destination"/>, which is emptied before each attempt. Paced by the bot's bucket; safe to retry.
    /// </summary>
    public Task DownloadFileAsync(TelegramBot bot, string fileId, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        ArgumentNullException.ThrowIfNull(destination);
        return SendAsync(bot, null, "getFile", async (client, ct) =>
        {
            destination.Position = 0;
            destination.SetLength(0);
            var file = await client.GetFile(fileId, ct);
            if (file.FilePath is not { Length: > 0 } path)
            {
                throw new ApiRequestException("The file cannot be downloaded (no file_path).", 400);
            }
            await client.DownloadFile(path, destination, ct);
            destination.Position = 0;
            return true;
        }, cancellationToken);
    }

    /// <summary>Opens a forum topic in <paramref name="groupId"/> (it posts a service message, so it counts against the group's limit).</summary>
    public Task<ForumTopic> CreateForumTopicAsync(TelegramBot bot, long groupId, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, groupId, "createForumTopic", (client, ct) => client.CreateForumTopic(groupId, name, cancellationToken: ct), cancellationToken);
    }

    /// <summary>Renames a forum topic (its title follows claims and renames).</summary>
    public Task EditForumTopicAsync(TelegramBot bot, long groupId, int threadId, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, groupId, "editForumTopic", async (client, ct) =>
        {
            await client.EditForumTopic(groupId, threadId, name, cancellationToken: ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>Closes (<paramref name="open"/> false) or reopens a forum topic.</summary>
    public Task SetForumTopicOpenAsync(TelegramBot bot, long groupId, int threadId, bool open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, groupId, open ? "reopenForumTopic" : "closeForumTopic", async (client, ct) =>
        {
            if (open)
            {
                await client.ReopenForumTopic(groupId, threadId, ct);
            }
            else
            {
                await client.CloseForumTopic(groupId, threadId, ct);
            }
            return true;
        }, cancellationToken);
    }

    /// <summary>Replaces a message's text and buttons (the welcome card as the conversation changes).</summary>
    public Task EditMessageTextAsync(TelegramBot bot, long chatId, int messageId, string text, InlineKeyboardMarkup? buttons,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, chatId, "editMessageText", (client, ct) => client.EditMessageText(chatId, messageId, text, replyMarkup: buttons,
            cancellationToken: ct), cancellationToken);
    }

    /// <summary>
    /// Deletes a message (what an erased customer's conversation left in a topic or their private chat). Paced by the bot's
    /// bucket only: a deletion posts nothing into the chat.
    /// </summary>
    public Task DeleteMessageAsync(TelegramBot bot, long chatId, int messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, null, "deleteMessage", async (client, ct) =>
        {
            await client.DeleteMessage(chatId, messageId, ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Answers a button press (the person sees <paramref name="text"/> as a toast). Paced by the bot's bucket only: an answer
    /// posts nothing into the chat.
    /// </summary>
    public Task AnswerCallbackQueryAsync(TelegramBot bot, string callbackQueryId, string? text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        return SendAsync(bot, null, "answerCallbackQuery", async (client, ct) =>
        {
            await client.AnswerCallbackQuery(callbackQueryId, text, cancellationToken: ct);
            return true;
        }, cancellationToken);
    }

    private async Task<T> SendAsync<T>(TelegramBot bot, long? chatId, string method, Func<ITelegramBotClient, CancellationToken, Task<T>> call,
        CancellationToken cancellationToken)
    {
        var client = ClientFor(bot);
        RateLimitBucket[] buckets = chatId is { } chat ? [BotBucket(bot), ChatBucket(bot, chat)] : [BotBucket(bot)];
        for (var attempt = 1; ; attempt++)
        {
            await WaitForTurnAsync(buckets, cancellationToken);
            TimeSpan delay;
            try
            {
                var result = await call(client, cancellationToken);
                TelegramMetrics.Sent.Add(1);
                return result;
            }
            catch (ApiRequestException ex) when (ex.ErrorCode == 429)
            {
                TelegramMetrics.Throttled.Add(1);
                delay = ex.Parameters?.RetryAfter is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : _options.RetryAfterFallback;
                LogThrottled(_logger, bot.TenantId, bot.Id, method, delay.TotalSeconds);
                ThrowWhenExhausted(attempt, bot, method, 429, ex);
            }
            catch (ApiRequestException ex) when (ex.ErrorCode >= 500)
            {
                delay = Backoff(attempt);
                LogRetrying(_logger, bot.TenantId, bot.Id, method, ex.ErrorCode, delay.TotalSeconds);
                ThrowWhenExhausted(attempt, bot, method, ex.ErrorCode, ex);
            }
            catch (ApiRequestException ex)
            {
                throw Fail(ex.ErrorCode switch
                {
                    401 => TelegramFailure.Unauthorized,
                    403 => TelegramFailure.Forbidden,
                    _ => TelegramFailure.Rejected,
                }, bot, method, ex.ErrorCode, ex.Message, ex);
            }
            catch (RequestException ex) when (NeverSent(ex) || (int?)ex.HttpStatusCode >= 500)
            {
                delay = Backoff(attempt);
                LogRetrying(_logger, bot.TenantId, bot.Id, method, (int?)ex.HttpStatusCode ?? 0, delay.TotalSeconds);
                ThrowWhenExhausted(attempt, bot, method, (int?)ex.HttpStatusCode, ex);
            }
            catch (RequestException ex)
            {
                throw Fail(TelegramFailure.OutcomeUnknown, bot, method, null, $"{method} was sent but not answered: {ex.Message}", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Fail(TelegramFailure.OutcomeUnknown, bot, method, null, $"{method} was sent but not answered in {_options.RequestTimeout}", ex);
            }
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private async Task WaitForTurnAsync(RateLimitBucket[] buckets, CancellationToken cancellationToken)
    {
        while (true)
        {
            var decision = await _limiter.AcquireAsync(buckets);
            if (decision.Allowed)
            {
                return;
            }
            await Task.Delay(decision.RetryAfter, _time, cancellationToken);
        }
    }

    private RateLimitBucket BotBucket(TelegramBot bot) => new(
        string.Create(CultureInfo.InvariantCulture, $"tg:{bot.TenantId:N}:{bot.Id}"), _options.PerBotBurst, _options.PerBotPerSecond * 60);

    // Negative ids are groups and channels, positive ones people (Telegram's convention).
    private RateLimitBucket ChatBucket(TelegramBot bot, long chatId)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"tg:{bot.TenantId:N}:{bot.Id}:{chatId}");
        return chatId < 0 ? new(key, _options.PerGroupBurst, _options.PerGroupPerMinute) : new(key, 1, _options.PerChatPerMinute);
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, _options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private void ThrowWhenExhausted(int attempt, TelegramBot bot, string method, int? errorCode, Exception ex)
    {
        if (attempt >= _options.MaxAttempts)
        {
            throw Fail(TelegramFailure.RetriesExhausted, bot, method, errorCode, $"{method} failed {attempt} times; last: {ex.Message}", ex);
        }
    }

    private TelegramSendException Fail(TelegramFailure failure, TelegramBot bot, string method, int? errorCode, string message, Exception inner)
    {
        TelegramMetrics.SendFailed(bot.TenantId, failure);
        LogFailed(_logger, bot.TenantId, bot.Id, method, failure, errorCode ?? 0);
        return new TelegramSendException(failure, errorCode, message, inner);
    }

    // A connection that was never made carried no request: retrying it cannot post a message twice.
    private static bool NeverSent(RequestException exception) =>
        exception.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    private TelegramBotClient ClientFor(TelegramBot bot) => _clients.GetOrAdd(bot.Token, token =>
        new TelegramBotClient(new TelegramBotClientOptions(token, _options.ApiBaseUrl.ToString().TrimEnd('/'))
        {
            RetryCount = 0, // retries are ours, above: the library's would not respect the buckets
        }, _http));

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram flood control: tenant {TenantId} bot {BotId} {Method}, waiting {Seconds} s")]
    private static partial void LogThrottled(ILogger logger, Guid tenantId, long botId, string method, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram {Method} failed for tenant {TenantId} bot {BotId} (status {Status}); retrying in {Seconds:0.0} s")]
    private static partial void LogRetrying(ILogger logger, Guid tenantId, long botId, string method, int status, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram {Method} failed for good for tenant {TenantId} bot {BotId}: {Failure} (status {Status})")]
    private static partial void LogFailed(ILogger logger, Guid tenantId, long botId, string method, TelegramFailure failure, int status);
}
