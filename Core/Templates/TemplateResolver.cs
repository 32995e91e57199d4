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

/// <summary>One step of the fallback chain: the locale it looks in, and which step it is.</summary>
public sealed record TemplateFallbackStep(string Locale, TemplateSource Source);

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
        ["unavailable"] = "We cannot start a new conversation right now. Please try again later.",
    };

    /// <summary>The platform default locale.</summary>
    public const string PlatformLocale = "en";

    /// <summary>
    /// The steps a lookup of <paramref name="locale"/> walks, in order: the locale itself, its language (when the locale
    /// has a region or script), the tenant's default locale, then the platform's texts. An empty locale is the tenant's default.
    /// </summary>
    public static IReadOnlyList<TemplateFallbackStep> FallbackChain(string? locale, string tenantDefaultLocale)
    {
        ArgumentNullException.ThrowIfNull(tenantDefaultLocale);
        var requested = Requested(locale, tenantDefaultLocale);
        var language = requested.Split('-')[0];
        var steps = new List<TemplateFallbackStep> { new(requested, TemplateSource.Locale) };
        if (language != requested)
        {
            steps.Add(new(language, TemplateSource.Language));
        }
        steps.Add(new(LocaleTag.Normalize(tenantDefaultLocale), TemplateSource.TenantDefault));
        steps.Add(new(PlatformLocale, TemplateSource.PlatformDefault));
        return steps;
    }

    /// <summary>
    /// The text of <paramref name="key"/> for <paramref name="locale"/> from the tenant's texts of that key already at hand
    /// (<paramref name="tenantTexts"/>: normalized locale → text), with the answer <see cref="ResolveAsync"/> gives; for
    /// previews that follow every keystroke without a query.
    /// </summary>
    public static ResolvedTemplate? Resolve(string key, string? locale, string tenantDefaultLocale, IReadOnlyDictionary<string, string> tenantTexts)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(tenantTexts);
        var chain = FallbackChain(locale, tenantDefaultLocale);
        return Pick(key, chain, tenantTexts.GetValueOrDefault) ?? PlatformDefault(key, chain[0].Locale);
    }

    /// <summary>The text of <paramref name="key"/> for <paramref name="locale"/>, or <see langword="null"/> when no step has it.</summary>
    public async Task<ResolvedTemplate?> ResolveAsync(string key, string? locale, string tenantDefaultLocale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var found = await ResolveManyAsync([key], locale, tenantDefaultLocale, cancellationToken);
        return found.TryGetValue(key, out var hit) ? hit : PlatformDefault(key, Requested(locale, tenantDefaultLocale));
    }

    /// <summary>
    /// The tenant's texts of <paramref name="keys"/> for <paramref name="locale"/>, in one query; a key the tenant has in no
    /// step of the chain is absent (the caller has its own defaults).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ResolvedTemplate>> ResolveManyAsync(IReadOnlyCollection<string> keys, string? locale,
        string tenantDefaultLocale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var chain = FallbackChain(locale, tenantDefaultLocale);
        var locales = chain.Where(s => s.Source != TemplateSource.PlatformDefault).Select(s => s.Locale).Distinct().ToList();
        var found = await db.Templates.AsNoTracking()
            .Where(t => keys.Contains(t.Key) && locales.Contains(t.Locale))
            .ToListAsync(cancellationToken);
        var resolved = new Dictionary<string, ResolvedTemplate>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (Pick(key, chain, l => found.FirstOrDefault(t => t.Key == key && t.Locale == l)?.Text) is { } hit)
            {
                resolved[key] = hit;
            }
        }
        return resolved;
    }

    // The first of the tenant's steps that has a text; the platform's step is the caller's to take.
    private static ResolvedTemplate? Pick(string key, IReadOnlyList<TemplateFallbackStep> chain, Func<string, string?> textIn)
    {
        foreach (var step in chain.Where(s => s.Source != TemplateSource.PlatformDefault))
        {
            if (textIn(step.Locale) is { } text)
            {
                return new ResolvedTemplate(key, chain[0].Locale, step.Locale, step.Source, text);
            }
        }
        return null;
    }

    private static ResolvedTemplate? PlatformDefault(string key, string requested) =>
        PlatformDefaults.TryGetValue(key, out var text) ? new ResolvedTemplate(key, requested, PlatformLocale, TemplateSource.PlatformDefault, text) : null;

    private static string Requested(string? locale, string tenantDefaultLocale) =>
        LocaleTag.Normalize(string.IsNullOrWhiteSpace(locale) ? tenantDefaultLocale : locale);
}
