using System.Text.Json;
using System.Text.RegularExpressions;

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
        app.MapMethods("/bot{token}/{method}", [HttpMethods.Get, HttpMethods.Post], HandleAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, string token, string method, BotApiState state)
    {
        BotApiResponse response;
        if (TokenShape().Match(token) is not { Success: true } match || !long.TryParse(match.Groups["id"].ValueSpan, out var botId))
        {
            response = BotApiResponse.Error(401, "Unauthorized");
        }
        else
        {
            try
            {
                var arguments = await BotApiArguments.ReadAsync(context.Request);
                response = state.Invoke(botId, method, arguments);
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

    // Telegram's token shape: the bot's numeric id, a colon, and a secret of letters, digits, '_' and '-'.
    [GeneratedRegex(@"^(?<id>[0-9]{1,18}):[A-Za-z0-9_-]{30,}$")]
    private static partial Regex TokenShape();
}
