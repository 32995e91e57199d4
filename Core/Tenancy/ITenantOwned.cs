namespace OmniChat.Core.Tenancy;

/// <summary>
/// A row that belongs to one tenant. Every such entity gets the named <c>Tenant</c> query filter, is checked by
/// <c>SaveChanges</c>, and its table has row-level security enabled and forced.
/// </summary>
public interface ITenantOwned
{
    /// <summary>The owning tenant. Left empty on a new entity, it is filled from the current tenant on save.</summary>
    Guid TenantId { get; set; }
}
