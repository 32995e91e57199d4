using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Templates;

/// <summary>Which step of the fallback chain answered.</summary>
public enum TemplateSource
{
    Locale,
    Language,
    TenantDefault,
    PlatformDefault,
}

/// <summary>A template text as resolved for a locale.</summary>
public sealed record ResolvedTemplate(string Key, string RequestedLocale, string ResolvedLocale, TemplateSource Source, string Text);

/// <summary>
/// Resolves a template key for a locale along the chain: the exact locale (<c>pt-BR</c>), its language (<c>pt</c>), the
/// tenant's default locale, then the platform's built-in English texts.
/// </summary>
public sealed class TemplateResolver(OmniChatDbContext db)
{
    /// <summary>The platform's own texts, used when a tenant has none for a key.</summary>
    public static IReadOnlyDictionary<string, string> PlatformDefaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["welcome"] = "Hi! How can we help you today?",
        ["agent_joined"] = "An agent has joined the conversation.",
        ["conversation_closed"] = "This conversation has been closed. Write again any time.",
        ["offline"] = "We are away right now; leave a message and we will get back to you.",
    };

    /// <summary>The platform default locale.</summary>
    public const string PlatformLocale = "en";

    /// <summary>The text of <paramref name="key"/> for <paramref name="locale"/>, or <see langword="null"/> when no step has it.</summary>
    public async Task<ResolvedTemplate?> ResolveAsync(string key, string? locale, string tenantDefaultLocale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var found = await ResolveManyAsync([key], locale, tenantDefaultLocale, cancellationToken);
        if (found.TryGetValue(key, out var hit))
        {
            return hit;
        }
        return PlatformDefaults.TryGetValue(key, out var text)
            ? new ResolvedTemplate(key, Requested(locale, tenantDefaultLocale), PlatformLocale, TemplateSource.PlatformDefault, text)
            : null;
    }

    /// <summary>
    /// The tenant's texts of <paramref name="keys"/> for <paramref name="locale"/>, in one query; a key the tenant has in no
    /// step of the chain is absent (the caller has its own defaults).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ResolvedTemplate>> ResolveManyAsync(IReadOnlyCollection<string> keys, string? locale,
        string tenantDefaultLocale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var requested = Requested(locale, tenantDefaultLocale);
        tenantDefaultLocale = LocaleTag.Normalize(tenantDefaultLocale);
        var language = requested.Split('-')[0];
        var candidates = new List<(string Locale, TemplateSource Source)> { (requested, TemplateSource.Locale) };
        if (language != requested)
        {
            candidates.Add((language, TemplateSource.Language));
        }
        candidates.Add((tenantDefaultLocale, TemplateSource.TenantDefault));

        var locales = candidates.Select(c => c.Locale).Distinct().ToList();
        var found = await db.Templates.AsNoTracking()
            .Where(t => keys.Contains(t.Key) && locales.Contains(t.Locale))
            .ToListAsync(cancellationToken);
        var resolved = new Dictionary<string, ResolvedTemplate>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            foreach (var (candidate, source) in candidates)
            {
                if (found.FirstOrDefault(t => t.Key == key && t.Locale == candidate) is { } hit)
                {
                    resolved[key] = new ResolvedTemplate(key, requested, hit.Locale, source, hit.Text);
                    break;
                }
            }
        }
        return resolved;
    }

    private static string Requested(string? locale, string tenantDefaultLocale) =>
        LocaleTag.Normalize(string.IsNullOrWhiteSpace(locale) ? tenantDefaultLocale : locale);
}
