using Microsoft.AspNetCore.Diagnostics;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Errors;

/// <summary>Maps domain exceptions to RFC 9457 problems with stable codes; anything else is a 500 without details.</summary>
internal sealed partial class DomainExceptionHandler(IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title) = exception switch
        {
            TenantNotResolvedException => (StatusCodes.Status401Unauthorized, "unauthorized", "Authentication is required."),
            CrossTenantWriteException => (StatusCodes.Status404NotFound, "not_found", "Not found."),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 413 ? "payload_too_large" : "bad_request", "The request is malformed."),
            _ => (StatusCodes.Status500InternalServerError, "internal_error", "An unexpected error occurred."),
        };
        if (status >= 500)
        {
            LogUnhandled(logger, exception);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Extensions = { ["code"] = code } },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
