using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>The frozen v1 API always serves the <c>default</c> tenant.</summary>
internal sealed class V1RouteTenantStrategy : ITenantStrategy
{
    public Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken) =>
        context is HttpContext http && http.Request.Path.StartsWithSegments("/v1")
            ? store.FindByIdentifierAsync(Tenant.DefaultIdentifier, cancellationToken)
            : Task.FromResult<TenantInfo?>(null);
}
