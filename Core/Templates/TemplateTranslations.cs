using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Templates;

/// <summary>A template key with the tenant's text of it in each locale it has.</summary>
public sealed record TemplateTranslationSet(string Key, IReadOnlyList<Template> Translations);

/// <summary>
/// The tenant's templates and their translations, for every surface that manages them (API v2, portal): one
/// implementation of the key and text rules, the upsert per locale, deletes, the tenant's default locale and the
/// fallback-chain preview, each change audited. Runs in the current tenant's scope.
/// </summary>
public sealed partial class TemplateTranslations(OmniChatDbContext db, ITenantContext tenants, TimeProvider time)
{
    /// <summary>Longest key.</summary>
    public const int MaxKeyLength = 100;

    /// <summary>Longest text.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>What a person is told when a key breaks <see cref="KeyPattern"/>.</summary>
    public const string KeyRule = "Lower-case letters, digits, '_', '.', '-'; at most 100.";

    /// <summary>Every key with its translations, by key then locale.</summary>
    public async Task<IReadOnlyList<TemplateTranslationSet>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Templates.AsNoTracking().OrderBy(t => t.Key).ThenBy(t => t.Locale).ToListAsync(cancellationToken);
        return [.. rows.GroupBy(t => t.Key).Select(g => new TemplateTranslationSet(g.Key, [.. g]))];
    }

    /// <summary>One key with its translations; <c>template_not_found</c> when the tenant has none.</summary>
    public async Task<TemplateTranslationSet> GetAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfBadKey(key);
        var rows = await db.Templates.AsNoTracking().Where(t => t.Key == key).OrderBy(t => t.Locale).ToListAsync(cancellationToken);
        return rows.Count == 0 ? throw NotFound() : new TemplateTranslationSet(key, rows);
    }

    /// <summary>Creates or replaces the text of <paramref name="key"/> in <paramref name="locale"/> (normalized); audited.</summary>
    public async Task<Template> SetAsync(string key, string locale, string? text, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new Dictionary<string, string[]>();
        var normalized = CheckKeyAndLocale(key, locale, errors);
        var checkedText = CheckText(text, errors);
        ValidationException.ThrowIfAny(errors);

        var tenantId = tenants.RequireTenant().Id;
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO templates (id, tenant_id, locale, key, text, updated_at)
            VALUES ({id}, {tenantId}, {normalized}, {key}, {checkedText}, {now})
            ON CONFLICT (tenant_id, locale, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at
            """, cancellationToken);
        db.AuditEntries.Add(AuditEntry.Create(actor, "template.translation_set", "template", $"{key}/{normalized}", now));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Template { Id = id, TenantId = tenantId, Key = key, Locale = normalized, Text = checkedText, UpdatedAt = now };
    }

    /// <summary>Deletes the text of <paramref name="key"/> in one locale; <c>template_not_found</c> when there is none; audited.</summary>
    public async Task DeleteTranslationAsync(string key, string locale, AuditActor actor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var normalized = CheckKeyAndLocale(key, locale, errors);
        ValidationException.ThrowIfAny(errors);
        var rows = await db.Templates.Where(t => t.Key == key && t.Locale == normalized).ToListAsync(cancellationToken);
        await DeleteAsync(rows, actor, "template.translation_deleted", $"{key}/{normalized}", cancellationToken);
    }

    /// <summary>Deletes <paramref name="key"/> in every locale; <c>template_not_found</c> when the tenant has none; audited.</summary>
    public async Task DeleteAsync(string key, AuditActor actor, CancellationToken cancellationToken)
    {
        ThrowIfBadKey(key);
        var rows = await db.Templates.Where(t => t.Key == key).ToListAsync(cancellationToken);
        await DeleteAsync(rows, actor, "template.deleted", key, cancellationToken);
    }

    /// <summary>
    /// Resolves <paramref name="key"/> for <paramref name="locale"/> (the tenant's default when null) along the fallback
    /// chain, saying which step answered; <c>template_not_found</c> when no step has it.
    /// </summary>
    public async Task<ResolvedTemplate> PreviewAsync(string key, string? locale, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsKey(key))
        {
            errors["key"] = [KeyRule];
        }
        if (locale is not null && !LocaleTag.IsValid(locale))
        {
            errors["locale"] = [LocaleTag.Rule];
        }
        ValidationException.ThrowIfAny(errors);
        var tenantLocale = await DefaultLocaleAsync(cancellationToken);
        return await new TemplateResolver(db).ResolveAsync(key, locale, tenantLocale, cancellationToken) ?? throw NotFound();
    }

    /// <summary>The tenant's default locale (the chain's second to last step, and a conversation's locale when it has none).</summary>
    public Task<string> DefaultLocaleAsync(CancellationToken cancellationToken) =>
        db.Tenants.AsNoTracking().Select(t => t.DefaultLocale).SingleAsync(cancellationToken);

    /// <summary>Sets the tenant's default locale (normalized); audited. Returns the locale as stored.</summary>
    public async Task<string> SetDefaultLocaleAsync(string? locale, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var trimmed = locale?.Trim() ?? "";
        if (!LocaleTag.IsValid(trimmed))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["defaultLocale"] = [LocaleTag.Rule] });
        }
        var normalized = LocaleTag.Normalize(trimmed);
        var tenantId = tenants.RequireTenant().Id;
        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId, cancellationToken);
        if (tenant.DefaultLocale != normalized)
        {
            var now = time.GetUtcNow();
            var previous = tenant.DefaultLocale;
            tenant.DefaultLocale = normalized;
            tenant.UpdatedAt = now;
            db.AuditEntries.Add(AuditEntry.Create(actor, "tenant.default_locale_set", "tenant", tenantId.ToString(), now,
                new Dictionary<string, object?> { ["from"] = previous, ["to"] = normalized }));
            await db.SaveChangesAsync(cancellationToken);
        }
        return normalized;
    }

    /// <summary>Whether <paramref name="key"/> is a template key (<see cref="KeyPattern"/>).</summary>
    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>
    /// The text as it will be stored, or the reason it cannot be (in <paramref name="errors"/> under <c>text</c>):
    /// required, at most <see cref="MaxTextLength"/> characters, no NUL.
    /// </summary>
    public static string CheckText(string? text, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            errors["text"] = [$"Required, 1 to {MaxTextLength} characters."];
            return "";
        }
        if (text.Length > MaxTextLength)
        {
            errors["text"] = [$"At most {MaxTextLength} characters."];
        }
        else if (text.Contains('\0', StringComparison.Ordinal))
        {
            errors["text"] = ["Must not contain NUL characters."];
        }
        return text;
    }

    /// <summary>No text for this template key (<c>template_not_found</c>).</summary>
    public static NotFoundException NotFound() => new("template_not_found", "No text for this template key.");

    /// <summary>Template keys: a lower-case letter or digit, then letters, digits, <c>_ . -</c>; at most 100.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,99}$")]
    public static partial Regex KeyPattern();

    private async Task DeleteAsync(List<Template> rows, AuditActor actor, string action, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (rows.Count == 0)
        {
            throw NotFound();
        }
        db.Templates.RemoveRange(rows);
        db.AuditEntries.Add(AuditEntry.Create(actor, action, "template", target, time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void ThrowIfBadKey(string key)
    {
        if (!IsKey(key))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["key"] = [KeyRule] });
        }
    }

    private static string CheckKeyAndLocale(string key, string locale, Dictionary<string, string[]> errors)
    {
        if (!IsKey(key))
        {
            errors["key"] = [KeyRule];
        }
        if (!LocaleTag.IsValid(locale))
        {
            errors["locale"] = [LocaleTag.Rule];
            return locale;
        }
        return LocaleTag.Normalize(locale);
    }
}
