using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary><c>/v2/tenant</c>: who am I, for an API key.</summary>
internal static class TenantEndpoints
{
    public static IEndpointRouteBuilder MapTenantEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/tenant", GetCurrentTenant)
            .WithName("GetCurrentTenant")
            .WithSummary("The tenant the API key belongs to.")
            .WithTags("v2 tenant").WithCredential(Credential.ApiKey);
        return app;
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
