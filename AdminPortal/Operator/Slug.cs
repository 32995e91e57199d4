using System.Globalization;
using System.Text;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Operator;

/// <summary>Suggests a tenant identifier from its name ("Acme Café GmbH" → "acme-cafe-gmbh"); the operator may change it.</summary>
internal static class Slug
{
    public static string From(string? name)
    {
        var builder = new StringBuilder();
        foreach (var c in (name ?? "").Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' || (lower is >= '0' and <= '9' && builder.Length > 0))
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }
        var slug = builder.ToString();
        slug = slug.Length > TenantAdministration.MaxIdentifierLength ? slug[..TenantAdministration.MaxIdentifierLength] : slug;
        return slug.TrimEnd('-');
    }
}
