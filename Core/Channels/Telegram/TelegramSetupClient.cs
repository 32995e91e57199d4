using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniChat.Core.Errors;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>The shape of a bot token (<c>&lt;bot id&gt;:&lt;secret&gt;</c>), checked before Telegram is asked.</summary>
public static partial class TelegramBotToken
{
    public static bool IsWellFormed(string? token) => token is not null && Shape().IsMatch(token.Trim());

    [GeneratedRegex("^[0-9]{1,18}:[A-Za-z0-9_-]{30,100}$")]
    private static partial Regex Shape();
}

/// <summary>
/// Bot API calls made while a person waits (connecting a channel, rotating its secret): one attempt each, no pacing,
/// and Telegram's answers turned into problems a person can act on. Messages go through <see cref="TelegramSender"/>.
/// </summary>
public sealed partial class TelegramSetupClient : IDisposable
{
    private readonly TelegramOptions _options;
    private readonly ILogger<TelegramSetupClient> _logger;
    private readonly HttpClient _http;

    public TelegramSetupClient(IOptions<TelegramOptions> options, ILogger<TelegramSetupClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    /// <summary>
    /// Runs one Bot API call; a refused token → 400 <c>telegram_token_invalid</c>, a chat Telegram does not know or
    /// forbids → <paramref name="notFound"/> (or 400 <c>telegram_rejected</c>), no answer → 502 <c>telegram_unavailable</c>.
    /// </summary>
    public async Task<T> CallAsync<T>(TelegramBot bot, string method, Func<ITelegramBotClient, CancellationToken, Task<T>> call,
        CancellationToken cancellationToken, Func<DomainException>? notFound = null)
    {
        ArgumentNullException.ThrowIfNull(bot);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call(ClientFor(bot), cancellationToken);
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
        {
            throw new DomainException(400, "telegram_token_invalid", "Telegram does not accept this bot token (revoked or mistyped?).");
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is 400 or 403 && notFound is not null)
        {
            LogRefused(_logger, bot.TenantId, bot.Id, method, ex.ErrorCode, ex.Message);
            throw notFound();
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is >= 400 and < 429)
        {
            LogRefused(_logger, bot.TenantId, bot.Id, method, ex.ErrorCode, ex.Message);
            throw new DomainException(400, "telegram_rejected", $"Telegram refused {method}: {ex.Message}");
        }
        catch (Exception ex) when (ex is RequestException or HttpRequestException or ApiRequestException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(_logger, bot.TenantId, bot.Id, method, ex.GetType().Name);
            throw new DomainException(502, "telegram_unavailable", $"Telegram did not answer {method}; try again in a moment.");
        }
    }

    /// <summary>Asks Telegram to stop delivering this bot's updates; failures are logged, never thrown.</summary>
    public async Task TryDeleteWebhookAsync(TelegramBot bot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        try
        {
            await ClientFor(bot).DeleteWebhook(cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is RequestException or HttpRequestException or ApiRequestException or OperationCanceledException)
        {
            LogUnavailable(_logger, bot.TenantId, bot.Id, "deleteWebhook", ex.GetType().Name);
        }
    }

    // Not cached: setup calls are rare, and a cache would keep every token ever tried in memory.
    private TelegramBotClient ClientFor(TelegramBot bot) =>
        new(new TelegramBotClientOptions(bot.Token, _options.ApiBaseUrl.ToString().TrimEnd('/')) { RetryCount = 0 }, _http);

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram refused {Method} for tenant {TenantId} bot {BotId}: {Status} {Description}")]
    private static partial void LogRefused(ILogger logger, Guid tenantId, long botId, string method, int status, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram did not answer {Method} for tenant {TenantId} bot {BotId} ({Error})")]
    private static partial void LogUnavailable(ILogger logger, Guid tenantId, long botId, string method, string error);
}
