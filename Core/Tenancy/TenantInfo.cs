namespace OmniChat.Core.Tenancy;

/// <summary>
/// What the platform knows about the tenant a unit of work runs for. <see cref="Id"/> is the stable key stored in every
/// tenant-owned row; <see cref="Identifier"/> is the human slug used in URLs (Finbuckle's Id/Identifier split).
/// </summary>
public sealed record TenantInfo(Guid Id, string Identifier, string Name, TenantStatus Status, string PlanId);
