using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Templates;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>Templates and their translations per tenant (scope <c>templates:write</c>), and the fallback-chain preview.</summary>
internal static class V2TemplateEndpoints
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

    internal static async Task<Ok<TemplateListResponse>> ListTemplates(TemplateTranslations templates, CancellationToken cancellationToken) =>
        TypedResults.Ok(new TemplateListResponse([.. (await templates.ListAsync(cancellationToken)).Select(t => TemplateResponse.From(t.Key, t.Translations))]));

    internal static async Task<Ok<TemplateResponse>> GetTemplate(string key, TemplateTranslations templates, CancellationToken cancellationToken)
    {
        var template = await templates.GetAsync(key, cancellationToken);
        return TypedResults.Ok(TemplateResponse.From(template.Key, template.Translations));
    }

    internal static async Task<Ok<TranslationResponse>> PutTranslation(string key, string locale, PutTranslationRequest? request, HttpContext http,
        TemplateTranslations templates, CancellationToken cancellationToken)
    {
        var set = await templates.SetAsync(key, locale, request?.Text, AuditActors.From(http), cancellationToken);
        return TypedResults.Ok(new TranslationResponse(set.Locale, set.Text, set.UpdatedAt));
    }

    internal static async Task<NoContent> DeleteTranslation(string key, string locale, HttpContext http, TemplateTranslations templates,
        CancellationToken cancellationToken)
    {
        await templates.DeleteTranslationAsync(key, locale, AuditActors.From(http), cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<NoContent> DeleteTemplate(string key, HttpContext http, TemplateTranslations templates, CancellationToken cancellationToken)
    {
        await templates.DeleteAsync(key, AuditActors.From(http), cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<PreviewResponse>> Preview(string key, string? locale, TemplateTranslations templates, CancellationToken cancellationToken) =>
        TypedResults.Ok(PreviewResponse.From(await templates.PreviewAsync(key, locale, cancellationToken)));
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
