namespace OmniChat.Core.Tenancy;

/// <summary>Runs the registered strategies in order and sets the first tenant found on the scope's <see cref="ITenantContext"/>.</summary>
public sealed class TenantResolver(IEnumerable<ITenantStrategy> strategies, ITenantStore store, ITenantContext tenantContext)
{
    /// <summary>Resolves and sets the tenant; returns it, or <see langword="null"/> when no strategy found one.</summary>
    public async Task<TenantInfo?> ResolveAsync(object context, CancellationToken cancellationToken)
    {
        foreach (var strategy in strategies)
        {
            var tenant = await strategy.ResolveAsync(context, store, cancellationToken);
            if (tenant is not null)
            {
                tenantContext.Use(tenant);
                return tenant;
            }
        }
        return null;
    }
}
