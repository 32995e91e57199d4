using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Operator;

/// <summary>Suggests a tenant identifier from its name ("Acme Café GmbH" → "acme-cafe-gmbh"); the operator may change it.</summary>
internal static class Slug
{
    // Core's rule, so a suggestion always passes TenantAdministration.Validate (or is empty).
    public static string From(string? name) => TenantAdministration.SuggestIdentifier(name);
}
