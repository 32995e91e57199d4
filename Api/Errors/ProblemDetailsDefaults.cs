using Microsoft.AspNetCore.Http.Features;

namespace OmniChat.Api.Errors;

/// <summary>Every problem+json answer carries a stable <c>code</c> and the request id.</summary>
internal static class ProblemDetailsDefaults
{
    public static void Configure(ProblemDetailsOptions options) =>
        options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            if (!problem.Extensions.TryGetValue("code", out var code))
            {
                code = CodeFor(problem.Status ?? context.HttpContext.Response.StatusCode);
                problem.Extensions["code"] = code;
            }
            problem.Instance ??= context.HttpContext.Request.Path;
            context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity.SetTag("problem.code", code);
        };

    private static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        _ => "internal_error",
    };
}
