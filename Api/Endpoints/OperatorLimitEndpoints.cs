using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// <c>PUT /v2/operator/tenants/{identifier}/limits</c>: the platform operator overrides a tenant's limits. Only the limits
/// given change; the tenant moves to its own custom plan (<see cref="TenantLimits"/>), audited with before and after.
/// </summary>
internal static class OperatorLimitEndpoints
{
    private const string Prefix = "/v2/operator/tenants/";
    private const string Suffix = "/limits";

    public static IEndpointRouteBuilder MapOperatorLimitEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPut(Prefix + "{identifier}" + Suffix, PutLimits)
            .WithTags("operator").WithName("OperatorPutTenantLimits")
            .WithSummary("Override a tenant's plan limits (only those given change; the tenant gets a custom plan). Operator token only.")
            .WithCredential(Credential.OperatorToken)
            .Problems(ProblemCodes.TenantNotFound)
            // An operator may change a suspended tenant's limits.
            .ServesSuspendedTenants();
        return app;
    }

    /// <summary>The identifier in a <c>/v2/operator/tenants/{identifier}/limits</c> path, or null for any other path.</summary>
    public static string? IdentifierIn(PathString path)
    {
        var value = path.Value;
        return value is not null && value.StartsWith(Prefix, StringComparison.Ordinal) && value.EndsWith(Suffix, StringComparison.Ordinal)
               && value.Length > Prefix.Length + Suffix.Length
            ? value[Prefix.Length..^Suffix.Length] is var identifier && !identifier.Contains('/', StringComparison.Ordinal) ? identifier : null
            : null;
    }

    internal static async Task<Ok<TenantLimitsResponse>> PutLimits(string identifier, LimitOverridesRequest? request, HttpContext http,
        ITenantContext tenants, IOptions<SecurityOptions> security, TenantLimits limits, CancellationToken cancellationToken)
    {
        if (!security.Value.IsOperatorToken(http.Request.BearerToken()))
        {
            throw new UnauthorizedException("unauthorized", "The operator token is required.");
        }
        // Resolved by OperatorTenantStrategy from this path's identifier with the operator token.
        if (tenants.Tenant is not { } tenant || !string.Equals(tenant.Identifier, identifier, StringComparison.Ordinal))
        {
            throw new NotFoundException("tenant_not_found", "No such tenant.");
        }
        var overrides = new LimitOverrides(request?.ConversationsPerMonth, request?.MessagesPerMonth, request?.Agents, request?.ApiRequestsPerMinute,
            request?.StorageBytes, request?.AttachmentMaxBytes, request?.SoftLimitPercent);
        var plan = await limits.OverrideAsync(tenant, overrides, new AuditActor("operator_token", AuditActor.OperatorType, http.TraceIdentifier),
            cancellationToken);
        return TypedResults.Ok(TenantLimitsResponse.From(plan));
    }
}

/// <summary>The limits to change; those left out keep their value. 0 means no limit (except <c>softLimitPercent</c>, 1–100).</summary>
internal sealed record LimitOverridesRequest(
    [property: Description("Conversations a month.")] int? ConversationsPerMonth,
    [property: Description("Visitor and agent messages a month.")] int? MessagesPerMonth,
    [property: Description("Active portal members.")] int? Agents,
    [property: Description("API requests a minute.")] int? ApiRequestsPerMinute,
    [property: Description("Attachment storage in bytes.")] long? StorageBytes,
    [property: Description("Largest attachment in bytes.")] long? AttachmentMaxBytes,
    [property: Description("The share of a monthly limit that sends the soft limit.reached warning (1–100).")] int? SoftLimitPercent);

/// <summary>The tenant's plan after the change, with every limit.</summary>
internal sealed record TenantLimitsResponse(string Plan, int ConversationsPerMonth, int MessagesPerMonth, int Agents, int ApiRequestsPerMinute,
    long StorageBytes, long AttachmentMaxBytes, int SoftLimitPercent)
{
    public static TenantLimitsResponse From(Plan plan) => new(plan.Id, plan.ConversationsPerMonth, plan.MessagesPerMonth, plan.Agents,
        plan.ApiRequestsPerMinute, plan.StorageBytes, plan.AttachmentMaxBytes, plan.SoftLimitPercent);
}
