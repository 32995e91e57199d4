using Microsoft.AspNetCore.Diagnostics;

namespace OmniChat.TelegramSandbox;

/// <summary>A control API request the sandbox refuses: a status, a stable <c>code</c>, and the field at fault.</summary>
public sealed class SandboxProblemException : Exception
{
    public SandboxProblemException()
    {
    }

    public SandboxProblemException(string message) : base(message)
    {
    }

    public SandboxProblemException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public SandboxProblemException(int status, string code, string detail, string? field = null) : base(detail)
    {
        Status = status;
        Code = code;
        Field = field;
    }

    public int Status { get; } = StatusCodes.Status400BadRequest;

    public string Code { get; } = "validation_failed";

    public string? Field { get; }

    public static SandboxProblemException Invalid(string field, string expected) =>
        new(StatusCodes.Status400BadRequest, "validation_failed", $"'{field}' must be {expected}.", field);

    public static SandboxProblemException NotFound(string code, string detail) => new(StatusCodes.Status404NotFound, code, detail);
}

/// <summary>RFC 9457 problems for the control API, one shape everywhere: <c>code</c>, and <c>errors</c> per field.</summary>
public static class SandboxProblems
{
    public static IResult Invalid(IReadOnlyDictionary<string, string> errors) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "The request is not valid.",
        detail: string.Join(" ", errors.Select(e => $"'{e.Key}' must be {e.Value}.")),
        extensions: new Dictionary<string, object?>
        {
            ["code"] = "validation_failed",
            ["errors"] = errors.ToDictionary(e => e.Key, e => new[] { $"must be {e.Value}" }),
        });

    public static IResult Invalid(string field, string expected) => Invalid(new Dictionary<string, string> { [field] = expected });

    public static IResult From(SandboxProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var extensions = new Dictionary<string, object?> { ["code"] = problem.Code };
        if (problem.Field is { } field)
        {
            extensions["errors"] = new Dictionary<string, string[]> { [field] = [problem.Message] };
        }
        return TypedResults.Problem(statusCode: problem.Status,
            title: problem.Status == StatusCodes.Status404NotFound ? "Not found." : "The request is not valid.",
            detail: problem.Message, extensions: extensions);
    }
}

/// <summary>
/// Turns a <see cref="SandboxProblemException"/> thrown by <see cref="BotApiState"/>, or a body that cannot be read,
/// into its problem answer.
/// </summary>
public sealed class SandboxProblemHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var answer = exception switch
        {
            SandboxProblemException problem => SandboxProblems.From(problem),
            // A body that is missing or not JSON of the request's shape (thrown in Development, where binding throws).
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } => SandboxProblems.Invalid("body", "a JSON object of the request's shape"),
            _ => null,
        };
        if (answer is null)
        {
            return false;
        }
        await answer.ExecuteAsync(httpContext);
        return true;
    }
}
