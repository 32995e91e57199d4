namespace OmniChat.Core.Templates;

/// <summary>Canonical BCP 47 casing (<c>pt-br</c> → <c>pt-BR</c>, <c>zh-hant-tw</c> → <c>zh-Hant-TW</c>), so locales compare exactly.</summary>
public static class LocaleTag
{
    public static string Normalize(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var parts = tag.Trim().Split('-', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            parts[i] = i == 0 ? part.ToLowerInvariant()
                : part.Length == 2 && part.All(char.IsAsciiLetter) ? part.ToUpperInvariant()
                : part.Length == 4 && part.All(char.IsAsciiLetter) ? char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()
                : part.ToLowerInvariant();
        }
        return string.Join('-', parts);
    }
}
