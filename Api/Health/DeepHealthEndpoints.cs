using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Health;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Health;

/// <summary>
/// <c>GET /health/deep?tenant=&lt;identifier&gt;</c>: walks the path a customer's first message takes, for one tenant,
/// through the real services — a conversation starts (Api, PostgreSQL), its forum topic opens and its welcome card is
/// posted (outbox, RabbitMQ, Workers, Telegram), a conversation token is issued and verified — timing each step, then
/// removes what it made (the topic, the conversation). A step that fails or does not finish in time answers 503
/// <c>deep_health_failed</c> naming it. Allowed with the operator token or an API key of that tenant.
/// </summary>
internal static class DeepHealthEndpoints
{
    public const string Path = "/health/deep";

    public static IEndpointRouteBuilder MapDeepHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, CheckAsync).WithTags("health").WithName("DeepHealth")
            .WithSummary("Start a conversation, see its Telegram topic and welcome card, issue a token; each step timed, then cleaned up.")
            .WithCredential(Credential.OperatorToken, Credential.ApiKey).Problems(ProblemCodes.TenantNotFound, ProblemCodes.DeepHealthFailed);
        return app;
    }

    internal static async Task<Ok<DeepHealthResponse>> CheckAsync(string? tenant, HttpContext http, ITenantContext tenants,
        IOptions<SecurityOptions> security, IOptions<DeepHealthOptions> options, DeepHealthCheck check, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(tenant))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["tenant"] = ["The tenant's identifier."] });
        }
        var isOperator = security.Value.IsOperatorToken(http.Request.BearerToken());
        if (!isOperator && http.Features.Get<ApiKeyPrincipal>() is null)
        {
            throw new UnauthorizedException("unauthorized", "The operator token or an API key of this tenant is required.");
        }
        // The API key's own tenant, or the one the operator named (resolved by OperatorTenantStrategy); another tenant's
        // identifier with an API key is not found, as any other tenant's data.
        if (tenants.Tenant is not { } info || !string.Equals(info.Identifier, tenant, StringComparison.Ordinal))
        {
            throw new NotFoundException("tenant_not_found", "No such tenant.");
        }

        var report = await check.RunAsync(info, options.Value.Timeout, cancellationToken);
        List<DeepHealthStep> steps = [.. report.Steps.Select(DeepHealthStep.From)];
        var failed = report.FailedStep;
        var body = new DeepHealthResponse(failed is null ? "healthy" : "unhealthy", info.Identifier, failed?.Name, steps);
        if (failed is not null)
        {
            throw new DomainException(StatusCodes.Status503ServiceUnavailable, "deep_health_failed", $"The step '{failed.Name}' failed: {failed.Error}")
            {
                Extensions = { ["step"] = failed.Name, ["steps"] = steps },
            };
        }
        return TypedResults.Ok(body);
    }
}

/// <summary>One step of the deep health check: <c>ok</c>, <c>failed</c> (with the error) or <c>skipped</c> (with why).</summary>
public sealed record DeepHealthStep(string Name, string Status, double DurationMs, string? Error)
{
    // The wire shape of Core's step (its own record, so the API's schema keeps its name).
    public static DeepHealthStep From(DeepHealthStepResult step) => new(step.Name, step.Status, step.DurationMs, step.Error);
}

/// <summary>The deep health check's answer: every step in order, timed.</summary>
public sealed record DeepHealthResponse(string Status, string Tenant, string? FailedStep, IReadOnlyList<DeepHealthStep> Steps);

/// <summary>Settings of the deep health check (<c>DeepHealth__Timeout</c>: how long topic and welcome may take together).</summary>
public sealed class DeepHealthOptions
{
    public const string Section = "DeepHealth";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
}
