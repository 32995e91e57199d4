namespace OmniChat.Core.Tenancy;

/// <summary>
/// The tenant the current unit of work (a request, a consumed message) runs for. Scoped: one per request or message.
/// It is set once, from something verified (see <see cref="TenantResolver"/>); it is never taken from client input.
/// </summary>
public interface ITenantContext
{
    /// <summary>The current tenant, or <see langword="null"/> before resolution.</summary>
    TenantInfo? Tenant { get; }

    /// <summary>Sets the tenant of this scope. Setting a different tenant later in the same scope throws.</summary>
    void Use(TenantInfo tenant);
}

/// <summary>Convenience accessors for <see cref="ITenantContext"/>.</summary>
public static class TenantContextExtensions
{
    /// <summary>The current tenant, or an exception when none was resolved.</summary>
    public static TenantInfo RequireTenant(this ITenantContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Tenant ?? throw new TenantNotResolvedException();
    }
}
