namespace OmniChat.Core.Tenancy;

/// <summary>The default scoped <see cref="ITenantContext"/>.</summary>
public sealed class TenantContext : ITenantContext
{
    /// <summary>An empty context (no tenant yet).</summary>
    public TenantContext()
    {
    }

    /// <summary>A context already set to <paramref name="tenant"/> (background work, tests).</summary>
    public TenantContext(TenantInfo tenant) => Tenant = tenant;

    /// <inheritdoc />
    public TenantInfo? Tenant { get; private set; }

    /// <inheritdoc />
    public void Use(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (Tenant is not null && Tenant.Id != tenant.Id)
        {
            throw new InvalidOperationException("The tenant of a scope cannot change once set.");
        }
        Tenant = tenant;
    }
}
