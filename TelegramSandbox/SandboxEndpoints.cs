using System.Text.RegularExpressions;

namespace OmniChat.TelegramSandbox;

/// <summary>What a fault injection asks for (<c>POST /sandbox/bots/{botId}/faults</c>).</summary>
public sealed record FaultRequest(string Method, int ErrorCode, string? Description, int? RetryAfter, int Count = 1);

/// <summary>
/// The sandbox's own API, beside the Bot API: what a bot sent (messages, topics), its counters, and faults to inject
/// (the next N calls of a method answer with a given error), for tests, benchmarks and people.
/// </summary>
public static partial class SandboxEndpoints
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox/bots/{botId:long}");
        sandbox.MapGet("/stats", (long botId, BotApiState state) => TypedResults.Ok(state.Stats(botId)));
        sandbox.MapGet("/chats/{chatId:long}/messages", (long botId, long chatId, BotApiState state) => TypedResults.Ok(state.Messages(botId, chatId)));
        sandbox.MapGet("/chats/{chatId:long}/topics", (long botId, long chatId, BotApiState state) => TypedResults.Ok(state.Topics(botId, chatId)));
        sandbox.MapPost("/faults", (long botId, FaultRequest fault, BotApiState state) =>
        {
            if (string.IsNullOrWhiteSpace(fault.Method) || !MethodName().IsMatch(fault.Method))
            {
                return Invalid("method", "a Bot API method name, such as sendMessage");
            }
            if (fault.ErrorCode is < 400 or > 599)
            {
                return Invalid("errorCode", "an HTTP error status, 400 to 599");
            }
            if (fault.Count is < 1 or > 10_000)
            {
                return Invalid("count", "1 to 10000");
            }
            if (fault.RetryAfter is < 1 or > 3600)
            {
                return Invalid("retryAfter", "1 to 3600 seconds");
            }
            var description = string.IsNullOrWhiteSpace(fault.Description) ? DefaultDescription(fault.ErrorCode) : fault.Description;
            state.AddFault(botId, new InjectedFault(fault.Method, fault.ErrorCode, description, fault.RetryAfter, fault.Count));
            return Results.NoContent();
        });
        return app;
    }

    private static IResult Invalid(string field, string expected) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "The request is not valid.",
        detail: $"'{field}' must be {expected}.",
        extensions: new Dictionary<string, object?> { ["code"] = "validation_failed", ["errors"] = new Dictionary<string, string[]> { [field] = [$"must be {expected}"] } });

    private static string DefaultDescription(int errorCode) => errorCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden: bot was blocked by the user",
        429 => "Too Many Requests: retry after 1",
        502 => "Bad Gateway",
        _ => "Internal Server Error",
    };

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$")]
    private static partial Regex MethodName();
}
