using System.Diagnostics.Metrics;
using OmniChat.Core.Conversations;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;

namespace OmniChat.Api.Telemetry;

/// <summary>
/// Counts every answer of the Api by status class (<c>2xx</c> … <c>5xx</c>), with the tenant when the request proved one
/// (a request refused before that, e.g. for a wrong API key, has no <c>tenant</c> tag: a guessed tenant is no tenant).
/// Outermost in the pipeline, so the exception handler's 500s count; probes and scrapes do not. The same answers, when
/// they are errors of a resolved tenant, are also counted per tenant and day for its dashboard (<see cref="ApiErrorCounts"/>,
/// fire-and-forget: the answer waits for nothing more).
/// </summary>
internal sealed class ApiResponseMetrics(RequestDelegate next, ApiErrorCounts apiErrors)
{
    private static readonly Meter Meter = new("OmniChat.Api");

    private static readonly Counter<long> Responses = Meter.CreateCounter<long>("omnichat.api.responses", "{response}",
        "Api answers by status class, and by tenant when one was resolved");

    private static readonly string[] Classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    public async Task InvokeAsync(HttpContext context, ITenantContext tenants)
    {
        if (ServiceDefaults.Extensions.IsInfrastructurePath(context.Request.Path))
        {
            await next(context);
            return;
        }
        var failed = true;
        try
        {
            await next(context);
            failed = false;
        }
        finally
        {
            Record(failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode, tenants.Tenant);
        }
    }

    private void Record(int status, TenantInfo? tenant)
    {
        var statusClass = new KeyValuePair<string, object?>("status_class", Classes[Math.Clamp(status / 100, 1, 5) - 1]);
        if (tenant is null)
        {
            Responses.Add(1, statusClass);
        }
        else
        {
            Responses.Add(1, statusClass, ConversationMetrics.Tenant(tenant.Id));
            apiErrors.Record(tenant.Id, status);
        }
    }
}
