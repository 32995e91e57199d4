using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>Resolves the request's tenant from verified input and adds <c>tenant_id</c> to the log scope.</summary>
internal sealed class TenantResolutionMiddleware(RequestDelegate next, ILogger<TenantResolutionMiddleware> logger)
{
    // Log fields follow the platform's snake_case contract (request_id, tenant_id), not .NET's PascalCase.
#pragma warning disable CA1727
    private static readonly Func<ILogger, Guid, IDisposable?> TenantScope =
        LoggerMessage.DefineScope<Guid>("tenant_id={tenant_id}");
#pragma warning restore CA1727

    public async Task InvokeAsync(HttpContext context, TenantResolver resolver)
    {
        var tenant = await resolver.ResolveAsync(context, context.RequestAborted);
        if (tenant is null)
        {
            await next(context);
            return;
        }

        if (tenant.Status != TenantStatus.Active)
        {
            throw new Core.Errors.ForbiddenException("tenant_suspended", "This tenant is suspended.");
        }

        using (TenantScope(logger, tenant.Id))
        {
            await next(context);
        }
    }
}
