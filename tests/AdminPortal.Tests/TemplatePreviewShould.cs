using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OmniChat.AdminPortal.Components.Pages.Templates;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The template preview walks the fallback chain (locale → language → workspace default → platform) and says which step answers.</summary>
public sealed class TemplatePreviewShould : BunitContext
{
    public TemplatePreviewShould()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void AnswerFromTheExactLocaleWhenTheWorkspaceHasIt()
    {
        var preview = Preview("greeting", "pt-br", "en", new() { ["pt-BR"] = "Oi!", ["pt"] = "Olá!", ["en"] = "Hi!" });

        Assert.Equal("Oi!", preview.Find("[data-testid=preview-text]").TextContent);
        Assert.Contains("From step 1: Exact locale (pt-BR)", preview.Find("[data-testid=preview-source]").TextContent, StringComparison.Ordinal);
        Assert.Equal("locale", Answering(preview));
    }

    [Fact]
    public void FallBackToTheLanguageThenToTheWorkspaceDefaultLocale()
    {
        var language = Preview("greeting", "pt-BR", "en", new() { ["pt"] = "Olá!", ["en"] = "Hi!" });
        var tenantDefault = Preview("greeting", "de-AT", "en", new() { ["pt"] = "Olá!", ["en"] = "Hi!" });

        Assert.Equal("Olá!", language.Find("[data-testid=preview-text]").TextContent);
        Assert.Equal("language", Answering(language));
        Assert.Equal("Hi!", tenantDefault.Find("[data-testid=preview-text]").TextContent);
        Assert.Equal("tenant_default", Answering(tenantDefault));
        Assert.Equal(["de-AT", "de", "en", "en"], tenantDefault.FindAll("[data-testid=preview-step] code").Select(c => c.TextContent));
    }

    [Fact]
    public void UseThePlatformTextLastAndSayWhenNoStepHasAText()
    {
        var platform = Preview("agent_joined", "fr-CA", "de", []);
        var none = Preview("custom.key", "fr-CA", "de", []);

        Assert.Equal("An agent has joined the conversation.", platform.Find("[data-testid=preview-text]").TextContent);
        Assert.Equal("platform_default", Answering(platform));
        Assert.NotNull(none.Find("[data-testid=preview-none]"));
        Assert.Empty(none.FindAll("[data-testid=preview-step][data-answers=true]"));
    }

    [Fact]
    public void UseTheWorkspaceDefaultLocaleWhenNoLocaleIsGiven()
    {
        var preview = Preview("greeting", "", "es", new() { ["es"] = "¡Hola!" });

        Assert.Equal("¡Hola!", preview.Find("[data-testid=preview-text]").TextContent);
        Assert.Equal("locale", Answering(preview));
    }

    [Fact]
    public void SayThatALocaleIsNotALanguageTag()
    {
        var preview = Preview("greeting", "portuguese!", "en", new() { ["en"] = "Hi!" });

        Assert.Contains("A BCP 47 language tag", preview.Find("[data-testid=preview-invalid-locale]").TextContent, StringComparison.Ordinal);
        Assert.Empty(preview.FindAll("[data-testid=preview-text]"));
    }

    private IRenderedComponent<TemplatePreview> Preview(string key, string locale, string tenantDefault, Dictionary<string, string> texts) =>
        Render<TemplatePreview>(p => p
            .Add(c => c.Key, key)
            .Add(c => c.Locale, locale)
            .Add(c => c.TenantDefaultLocale, tenantDefault)
            .Add(c => c.Translations, texts));

    private static string? Answering(IRenderedComponent<TemplatePreview> preview) =>
        preview.Find("[data-testid=preview-step][data-answers=true]").GetAttribute("data-source");
}
