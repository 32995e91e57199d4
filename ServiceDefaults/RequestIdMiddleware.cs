using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OmniChat.ServiceDefaults;

/// <summary>
/// Accepts a well-formed <c>X-Request-Id</c> from the caller (or makes one), echoes it on the response,
/// puts it in the log scope of everything the request does, and logs one line per request with its path only
/// (never the query string, where tokens travel).
/// </summary>
public sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger, TimeProvider time)
{
    /// <summary>The header carrying the request id in and out.</summary>
    public const string HeaderName = "X-Request-Id";

    /// <summary>Invokes the middleware.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var incoming = context.Request.Headers[HeaderName].ToString();
        var requestId = IsWellFormed(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });
        Activity.Current?.SetTag("request_id", requestId);

        using var scope = RequestScope(logger, requestId);
        var started = time.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            if (!Extensions.IsInfrastructurePath(context.Request.Path))
            {
                var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
                LogRequest(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, elapsedMs);
            }
        }
    }

    internal static bool IsWellFormed(string value) => value.Length is > 0 and <= 128 && WellFormed().IsMatch(value);

    // Log fields follow the platform's snake_case contract (request_id, tenant_id), not .NET's PascalCase.
#pragma warning disable CA1727
    private static readonly Func<ILogger, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string>("request_id={request_id}");
#pragma warning restore CA1727

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex WellFormed();

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, PathString path, int statusCode, double elapsedMs);
}
