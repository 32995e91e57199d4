using System.Text.RegularExpressions;

namespace OmniChat.Core.Templates;

/// <summary>Canonical BCP 47 casing (<c>pt-br</c> → <c>pt-BR</c>, <c>zh-hant-tw</c> → <c>zh-Hant-TW</c>), so locales compare exactly.</summary>
public static partial class LocaleTag
{
    /// <summary>Longest locale tag accepted.</summary>
    public const int MaxLength = 35;

    /// <summary>What a person is told when a locale is not a tag.</summary>
    public const string Rule = "A BCP 47 language tag, for example en or pt-BR.";

    /// <summary>Whether <paramref name="value"/> is a BCP 47 language tag (language, then subtags), at most <see cref="MaxLength"/> long.</summary>
    public static bool IsValid(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= MaxLength && Bcp47().IsMatch(value);
    }

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

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex Bcp47();
}
