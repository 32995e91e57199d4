using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>Resolves the request's tenant from verified input and adds <c>tenant_id</c> to the log scope.</summary>
internal sealed class TenantResolutionMiddleware(RequestDelegate next, ILogger<TenantResolutionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, TenantResolver resolver)
    {
        var tenant = await resolver.ResolveAsync(context, context.RequestAborted);
        if (tenant is null)
        {
            await next(context);
            return;
        }

        using (logger.BeginScope(new Dictionary<string, object> { ["tenant_id"] = tenant.Id }))
        {
            await next(context);
        }
    }
}
