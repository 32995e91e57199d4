using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Templates;

/// <summary>A tenant's text for a key in one locale (fallback: locale → language → tenant default → platform default).</summary>
public sealed class Template : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Locale { get; set; }

    public required string Key { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
