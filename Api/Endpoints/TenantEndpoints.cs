using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Retention;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;

namespace OmniChat.Api.Endpoints;

/// <summary><c>/v2/tenant</c>: who am I, for an API key; the tenant's usage against its plan and its retention period.</summary>
internal static class TenantEndpoints
{
    public static IEndpointRouteBuilder MapTenantEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/tenant", GetCurrentTenant)
            .WithName("GetCurrentTenant")
            .WithSummary("The tenant the API key belongs to.")
            .WithTags("v2 tenant").WithCredential(Credential.ApiKey);
        app.MapGet("/v2/usage", GetUsage)
            .WithName("GetUsage")
            .WithSummary("What the tenant used of each plan limit this billing period (a calendar month, UTC), the limits, and when the monthly meters reset.")
            .WithDescription("Conversations and messages are metered from the event stream (a few seconds behind at most); at `softLimit` a " +
                             "`limit.reached` webhook (level `soft`) is sent once per period, at `max` another (level `hard`) and new " +
                             "conversations are refused with 402 `limit_exceeded` until `resetsAt`. Existing conversations keep working. " +
                             "`max` 0 means no limit; `used` is null for limits checked per request.")
            .WithTags("v2 tenant").RequireScope(ApiScopes.UsageRead);
        app.MapGet("/v2/tenant/retention", GetRetention)
            .WithName("GetRetention")
            .WithSummary("How many days the tenant's messages, attachments, idle conversations and customers are kept.")
            .WithTags("v2 tenant").WithCredential(Credential.ApiKey);
        app.MapPut("/v2/tenant/retention", PutRetention)
            .WithName("PutRetention")
            .WithSummary("Set the retention period (1 to 3650 days). Data older than it is deleted by the next hourly run; audited.")
            .WithTags("v2 tenant").RequireScope(ApiScopes.SettingsWrite);
        return app;
    }

    internal static async Task<Ok<RetentionResponse>> GetRetention(RetentionPeriod retention, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RetentionResponse((await retention.ReadAsync(cancellationToken)).Days));

    internal static async Task<Ok<RetentionResponse>> PutRetention(RetentionRequest? request, HttpContext http, RetentionPeriod retention,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new RetentionResponse(await retention.SetAsync(request?.Days, AuditActors.From(http), cancellationToken)));

    internal static async Task<Ok<UsageResponse>> GetUsage(TenantUsage usage, CancellationToken cancellationToken)
    {
        var report = await usage.ReadAsync(cancellationToken);
        return TypedResults.Ok(new UsageResponse(report.Plan.Id, report.MonthStart, report.ResetsAt,
            [.. report.Meters.Select(m => new UsageMeterResponse(m.Key, m.Used, m.Limit, m.SoftLimit, m.Unit.ToString().ToLowerInvariant(),
                m.SoftLimit is null ? null : report.ResetsAt))],
            [.. report.Reached.Select(n => new LimitReachedResponse(UsageMeters.LimitName(n.Meter), n.Level, n.Used, n.Limit, n.ReachedAt))]));
    }

    internal static Results<Ok<TenantResponse>, ProblemHttpResult> GetCurrentTenant(ITenantContext tenants)
    {
        if (tenants.Tenant is not { } tenant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A valid API key is required.",
                extensions: new Dictionary<string, object?> { ["code"] = "unauthorized" });
        }
        return TypedResults.Ok(new TenantResponse(tenant.Id, tenant.Identifier, tenant.Name, tenant.PlanId,
            tenant.Status.ToString().ToLowerInvariant()));
    }
}

/// <summary>A tenant as API v2 shows it.</summary>
internal sealed record TenantResponse(Guid Id, string Identifier, string Name, string Plan, string Status);

/// <summary>The plan, the billing period, each limit with its usage, and the thresholds reached this period.</summary>
internal sealed record UsageResponse(string Plan, DateTimeOffset PeriodStart, DateTimeOffset ResetsAt, IReadOnlyList<UsageMeterResponse> Meters,
    IReadOnlyList<LimitReachedResponse> Reached);

/// <summary>
/// One plan limit: <c>limit</c> (conversationsPerMonth, messagesPerMonth, agents, storageBytes, attachmentMaxBytes,
/// apiRequestsPerMinute), <c>used</c> (null when checked per request), <c>max</c> (0: none), <c>softLimit</c> (the usage
/// that sends the warning; monthly limits only), <c>unit</c> (count, bytes, perminute) and <c>resetsAt</c> (monthly limits only).
/// </summary>
internal sealed record UsageMeterResponse(string Limit, long? Used, long Max, long? SoftLimit, string Unit, DateTimeOffset? ResetsAt);

/// <summary>A threshold reached this period: which limit, <c>soft</c> or <c>hard</c>, the usage then, the limit, and when.</summary>
internal sealed record LimitReachedResponse(string Limit, string Level, long Used, long Max, DateTimeOffset ReachedAt);

/// <summary>The retention period in days.</summary>
internal sealed record RetentionResponse(int Days);

/// <summary>The new retention period: 1 to 3650 days.</summary>
internal sealed record RetentionRequest([property: System.ComponentModel.DataAnnotations.Required] int? Days);
