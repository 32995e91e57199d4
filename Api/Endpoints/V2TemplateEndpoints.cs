using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Conversations;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>Templates and their translations per tenant (scope <c>templates:write</c>), and the fallback-chain preview.</summary>
internal static partial class V2TemplateEndpoints
{
    public static IEndpointRouteBuilder MapV2TemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/templates").WithTags("v2 templates").RequireScope(ApiScopes.TemplatesWrite);
        group.MapGet("/", ListTemplates).WithName("V2ListTemplates").WithSummary("Every template key with its translations.");
        group.MapGet("/{key}", GetTemplate).WithName("V2GetTemplate").WithSummary("One template key with its translations.")
            .Problems(ProblemCodes.TemplateNotFound);
        group.MapDelete("/{key}", DeleteTemplate).WithName("V2DeleteTemplate").WithSummary("Delete a template key in every locale.")
            .Problems(ProblemCodes.TemplateNotFound);
        group.MapPut("/{key}/translations/{locale}", PutTranslation).WithName("V2PutTranslation")
            .WithSummary("Create or replace the text of a key in one locale.");
        group.MapDelete("/{key}/translations/{locale}", DeleteTranslation).WithName("V2DeleteTranslation")
            .WithSummary("Delete the text of a key in one locale.").Problems(ProblemCodes.TemplateNotFound);
        group.MapGet("/{key}/preview", Preview).WithName("V2PreviewTemplate")
            .WithSummary("Resolve a key for a locale: locale → language → tenant default locale → platform default, saying which step answered.")
            .Problems(ProblemCodes.TemplateNotFound);
        return app;
    }

    internal static async Task<Ok<TemplateListResponse>> ListTemplates(OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Templates.AsNoTracking().OrderBy(t => t.Key).ThenBy(t => t.Locale).ToListAsync(cancellationToken);
        return TypedResults.Ok(new TemplateListResponse([.. rows.GroupBy(t => t.Key).Select(g => TemplateResponse.From(g.Key, g))]));
    }

    internal static async Task<Ok<TemplateResponse>> GetTemplate(string key, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var rows = await db.Templates.AsNoTracking().Where(t => t.Key == key).OrderBy(t => t.Locale).ToListAsync(cancellationToken);
        return rows.Count == 0 ? throw TemplateNotFound() : TypedResults.Ok(TemplateResponse.From(key, rows));
    }

    internal static async Task<Ok<TranslationResponse>> PutTranslation(string key, string locale, PutTranslationRequest? request, HttpContext http,
        ITenantContext tenants, OmniChatDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var normalized = ValidateKeyAndLocale(key, locale, errors);
        var text = ConversationRules.Text(request?.Text, errors);
        ValidationException.ThrowIfAny(errors);

        var tenantId = tenants.RequireTenant().Id;
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO templates (id, tenant_id, locale, key, text, updated_at)
            VALUES ({Guid.CreateVersion7(now)}, {tenantId}, {normalized}, {key}, {text}, {now})
            ON CONFLICT (tenant_id, locale, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at
            """, cancellationToken);
        db.AuditEntries.Add(AuditActors.Entry(http, "template.translation_set", "template", $"{key}/{normalized}", now));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new TranslationResponse(normalized, text, now));
    }

    internal static async Task<NoContent> DeleteTranslation(string key, string locale, HttpContext http, OmniChatDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var normalized = ValidateKeyAndLocale(key, locale, errors);
        ValidationException.ThrowIfAny(errors);
        var rows = await db.Templates.Where(t => t.Key == key && t.Locale == normalized).ToListAsync(cancellationToken);
        return await DeleteAsync(rows, http, db, "template.translation_deleted", $"{key}/{normalized}", time, cancellationToken);
    }

    internal static async Task<NoContent> DeleteTemplate(string key, HttpContext http, OmniChatDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var rows = await db.Templates.Where(t => t.Key == key).ToListAsync(cancellationToken);
        return await DeleteAsync(rows, http, db, "template.deleted", key, time, cancellationToken);
    }

    internal static async Task<Ok<PreviewResponse>> Preview(string key, string? locale, OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!KeyPattern().IsMatch(key))
        {
            errors["key"] = ["Lower-case letters, digits, '_', '.', '-'; at most 100."];
        }
        if (locale is not null && !ConversationRules.IsLocale(locale))
        {
            errors["locale"] = ["A BCP 47 language tag, for example en or pt-BR."];
        }
        ValidationException.ThrowIfAny(errors);
        var tenantLocale = await db.Tenants.AsNoTracking().Select(t => t.DefaultLocale).SingleAsync(cancellationToken);
        var resolved = await new TemplateResolver(db).ResolveAsync(key, locale, tenantLocale, cancellationToken) ?? throw TemplateNotFound();
        return TypedResults.Ok(PreviewResponse.From(resolved));
    }

    private static async Task<NoContent> DeleteAsync(List<Template> rows, HttpContext http, OmniChatDbContext db, string action, string target,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            throw TemplateNotFound();
        }
        db.Templates.RemoveRange(rows);
        db.AuditEntries.Add(AuditActors.Entry(http, action, "template", target, time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static void ValidateKey(string key)
    {
        if (!KeyPattern().IsMatch(key))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["key"] = ["Lower-case letters, digits, '_', '.', '-'; at most 100."] });
        }
    }

    private static string ValidateKeyAndLocale(string key, string locale, Dictionary<string, string[]> errors)
    {
        if (!KeyPattern().IsMatch(key))
        {
            errors["key"] = ["Lower-case letters, digits, '_', '.', '-'; at most 100."];
        }
        if (!ConversationRules.IsLocale(locale))
        {
            errors["locale"] = ["A BCP 47 language tag, for example en or pt-BR."];
            return locale;
        }
        return LocaleTag.Normalize(locale);
    }

    internal static NotFoundException TemplateNotFound() => new("template_not_found", "No text for this template key.");

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,99}$")]
    internal static partial Regex KeyPattern();
}

public sealed record PutTranslationRequest([property: Required] string? Text);

public sealed record TranslationResponse(string Locale, string Text, DateTimeOffset UpdatedAt);

public sealed record TemplateResponse(string Key, IReadOnlyList<TranslationResponse> Translations)
{
    public static TemplateResponse From(string key, IEnumerable<Template> rows) =>
        new(key, [.. rows.Select(t => new TranslationResponse(t.Locale, t.Text, t.UpdatedAt))]);
}

public sealed record TemplateListResponse(IReadOnlyList<TemplateResponse> Templates);

public sealed record PreviewResponse(string Key, string RequestedLocale, string ResolvedLocale, string Source, string Text)
{
    public static PreviewResponse From(ResolvedTemplate r) => new(r.Key, r.RequestedLocale, r.ResolvedLocale, r.Source switch
    {
        TemplateSource.Locale => "locale",
        TemplateSource.Language => "language",
        TemplateSource.TenantDefault => "tenant_default",
        _ => "platform_default",
    }, r.Text);
}
