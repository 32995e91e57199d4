using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// The Bot API's HTTP contract: <c>GET|POST /bot{token}/{method}</c>, answered with <c>{ok, result}</c> or
/// <c>{ok: false, error_code, description, parameters}</c> and the matching HTTP status, so <c>Telegram.Bot</c> pointed at
/// the sandbox's base URL behaves as it does against api.telegram.org.
/// </summary>
public static partial class BotApiEndpoints
{
    public static IEndpointRouteBuilder MapBotApi(this IEndpointRouteBuilder app)
    {
        // Not the route template "bot{token}": a complex segment is matched from the right, so a token that itself holds
        // "bot" (in any case, as random tokens do) would miss the route. The whole segment is taken and its prefix checked.
        app.MapMethods("/{botToken:regex(^bot)}/{method}", [HttpMethods.Get, HttpMethods.Post], HandleAsync).ExcludeFromDescription();
        app.MapGet("/file/{botToken:regex(^bot)}/{**filePath}", DownloadAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, string botToken, string method, BotApiState state,
        IOptions<SandboxOptions> options, IHttpClientFactory httpClients)
    {
        var token = TokenOf(botToken);
        BotApiResponse response;
        if (TokenShape().Match(token) is not { Success: true } match || !long.TryParse(match.Groups["id"].ValueSpan, out var botId))
        {
            response = BotApiResponse.Error(401, "Unauthorized");
        }
        else
        {
            try
            {
                var arguments = await BotApiArguments.ReadAsync(context.Request, options.Value.MaxFileBytes);
                response = await FetchUrlFileAsync(method, arguments, options.Value.MaxFileBytes, httpClients, context.RequestAborted)
                    ?? state.Invoke(botId, token, method, arguments);
            }
            catch (FileTooLargeException)
            {
                response = BotApiResponse.Error(413, "Request Entity Too Large");
            }
            catch (JsonException)
            {
                response = BotApiResponse.Error(400, "Bad Request: can't parse JSON object");
            }
            catch (InvalidDataException)
            {
                response = BotApiResponse.Error(400, "Bad Request: can't parse request body");
            }
        }
        context.Response.StatusCode = response.Ok ? StatusCodes.Status200OK : response.ErrorCode ?? StatusCodes.Status500InternalServerError;
        if (response.Parameters?.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await context.Response.WriteAsJsonAsync(response, BotApiJson.Options, context.RequestAborted);
    }

    // GET /file/bot{token}/{file_path}: what getFile pointed at, as api.telegram.org serves it.
    private static async Task DownloadAsync(HttpContext context, string botToken, string filePath, BotApiState state)
    {
        var token = TokenOf(botToken);
        var (status, file) = TokenShape().Match(token) is { Success: true } match && long.TryParse(match.Groups["id"].ValueSpan, out var botId)
            ? state.Download(botId, token, filePath)
            : (401, null);
        if (file is null)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(BotApiResponse.Error(status, status == 401 ? "Unauthorized" : "Not Found"), BotApiJson.Options, context.RequestAborted);
            return;
        }
        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Content.Length;
        await context.Response.Body.WriteAsync(file.Content, context.RequestAborted);
    }

    /// <summary>
    /// sendDocument and sendPhoto take an http(s) URL instead of an upload: Telegram fetches it; so does the sandbox
    /// (before taking its lock), and the call goes on as if the file had been uploaded.
    /// </summary>
    private static async Task<BotApiResponse?> FetchUrlFileAsync(string method, BotApiArguments arguments, long maxFileBytes,
        IHttpClientFactory httpClients, CancellationToken cancellationToken)
    {
        var parameter = method.ToLowerInvariant() switch { "senddocument" => "document", "sendphoto" => "photo", _ => null };
        if (parameter is null || arguments.File(parameter) is not null
            || !Uri.TryCreate(arguments.Text(parameter), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }
        try
        {
            using var response = await httpClients.CreateClient(UrlFilesClient).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > maxFileBytes)
            {
                return BotApiResponse.Error(400, "Bad Request: failed to get HTTP URL content");
            }
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (content.Length > maxFileBytes)
            {
                return BotApiResponse.Error(400, "Bad Request: failed to get HTTP URL content");
            }
            arguments.AddFile(parameter, new UploadedFile(Path.GetFileName(url.AbsolutePath), response.Content.Headers.ContentType?.MediaType, content));
            return null;
        }
        catch (HttpRequestException)
        {
            return BotApiResponse.Error(400, "Bad Request: failed to get HTTP URL content");
        }
    }

    /// <summary>The named HttpClient that fetches files given by URL.</summary>
    public const string UrlFilesClient = "url-files";

    // Telegram's token shape: the bot's numeric id, a colon, and a secret of letters, digits, '_' and '-'.
    // "bot123:AA…" → "123:AA…" (Telegram's prefix is lower case; anything else is no token).
    private static string TokenOf(string botToken) => botToken.StartsWith("bot", StringComparison.Ordinal) ? botToken[3..] : "";

    [GeneratedRegex(@"^(?<id>[0-9]{1,18}):[A-Za-z0-9_-]{30,}$")]
    private static partial Regex TokenShape();
}
