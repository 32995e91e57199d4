using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OmniChat.Core.Errors;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Errors;

/// <summary>
/// Maps exceptions to RFC 9457 problems with stable codes: domain errors keep their code, malformed input is
/// <c>invalid_json</c> / <c>bad_request</c> / <c>payload_too_large</c>; anything else is a logged 500 without details.
/// </summary>
internal sealed partial class DomainExceptionHandler(IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var found = exception switch
        {
            ValidationException validation => Problem(400, validation.Code, validation.Message, new() { ["errors"] = validation.Errors }),
            DomainException domain => Problem(domain.Status, domain.Code, domain.Message, new(domain.Extensions)),
            TenantNotResolvedException => Problem(401, "unauthorized", "Authentication is required.", []),
            CrossTenantWriteException => Problem(404, "not_found", "Not found.", []),
            BadHttpRequestException { StatusCode: 413 } => Problem(413, "payload_too_large", "The request body is larger than 64 KB.", []),
            BadHttpRequestException { InnerException: JsonException } => Problem(400, "invalid_json", "The request body is not valid JSON for this operation.", []),
            BadHttpRequestException { StatusCode: 415 } => Problem(415, "unsupported_media_type", "Send the body as application/json.", []),
            BadHttpRequestException bad => Problem(bad.StatusCode, "bad_request", bad.Message, []),
            // Values the database cannot store (characters, numbers out of range) that slipped past validation.
            Npgsql.PostgresException { SqlState: "22021" or "22P05" or "22P02" or "22003" or "22001" } =>
                Problem(400, "validation_failed", "A value cannot be stored.", new() { ["errors"] = new Dictionary<string, string[]>() }),
            _ => null,
        };
        if (found is not { } problem)
        {
            LogUnhandled(logger, exception);
            problem = (500, "internal_error", "An unexpected error occurred.", []);
        }

        httpContext.Response.StatusCode = problem.Status;
        if (exception is RateLimiting.RateLimitedException limited)
        {
            RateLimiting.ConversationRateLimit.SetRetryAfter(httpContext, limited.RetryAfter);
        }
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = problem.Status, Title = problem.Title },
        };
        context.ProblemDetails.Extensions["code"] = problem.Code;
        foreach (var (key, value) in problem.Extensions)
        {
            context.ProblemDetails.Extensions[key] = value;
        }
        return await problems.TryWriteAsync(context);
    }

    private static (int Status, string Code, string Title, Dictionary<string, object?> Extensions)? Problem(
        int status, string code, string title, Dictionary<string, object?> extensions) => (status, code, title, extensions);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
