namespace OmniChat.Core.Tenancy;

/// <summary>Tenant-owned data was touched before a tenant was resolved.</summary>
public sealed class TenantNotResolvedException()
    : InvalidOperationException("No tenant is set for this unit of work.");

/// <summary><c>SaveChanges</c> found a row that belongs to another tenant than the current one.</summary>
public sealed class CrossTenantWriteException(string entity, Guid rowTenant, Guid? currentTenant)
    : InvalidOperationException($"Refusing to save {entity} of tenant {rowTenant} while the current tenant is {currentTenant?.ToString() ?? "(none)"}.")
{
    /// <summary>The entity type that was refused.</summary>
    public string Entity { get; } = entity;
}
