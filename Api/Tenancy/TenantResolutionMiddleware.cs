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

        // A suspended tenant's data is kept and some doors stay open: Telegram's updates are still stored, the widget
        // still learns that the tenant is offline. Everything else is refused.
        if (tenant.Status != TenantStatus.Active && context.GetEndpoint()?.Metadata.GetMetadata<ServesSuspendedTenants>() is null)
        {
            throw new Core.Errors.ForbiddenException("tenant_suspended", "This tenant is suspended.");
        }

        using (TenantScope(logger, tenant.Id))
        {
            await next(context);
        }
    }
}

/// <summary>Endpoint metadata: the endpoint also serves a suspended tenant (it decides itself what that tenant gets).</summary>
internal sealed class ServesSuspendedTenants
{
    public static ServesSuspendedTenants Instance { get; } = new();
}

internal static class ServesSuspendedTenantsExtensions
{
    /// <summary>Lets a suspended tenant's requests reach the endpoint (Telegram intake, the widget's bootstrap).</summary>
    public static TBuilder ServesSuspendedTenants<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Tenancy.ServesSuspendedTenants.Instance);
}
