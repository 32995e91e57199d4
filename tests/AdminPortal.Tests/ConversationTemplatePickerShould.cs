using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OmniChat.AdminPortal.Components.Shared;
using OmniChat.Core.Templates;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The reply composer's template picker: the text a key resolves to in the conversation's locale, before it is used.</summary>
public sealed class ConversationTemplatePickerShould : IAsyncDisposable
{
    private readonly BunitContext _context = Components.NewContext();

    [Fact]
    public async Task PreviewTheResolvedTextAndHandItToTheComposer()
    {
        ResolvedTemplate? used = null;
        var resolved = new ResolvedTemplate("welcome", "pt-BR", "pt", TemplateSource.Language, "Olá! Como podemos ajudar?");
        var cut = _context.Render<ConversationTemplatePicker>(p => p
            .Add(t => t.Keys, ["offline", "welcome"])
            .Add(t => t.Locale, "pt-BR")
            .Add(t => t.Resolve, key => Task.FromResult<ResolvedTemplate?>(key == "welcome" ? resolved : null))
            .Add(t => t.OnUse, EventCallback.Factory.Create<ResolvedTemplate>(this, t => used = t)));

        var select = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("welcome"));

        Assert.Equal("Olá! Como podemos ajudar?", cut.Find("[data-testid=template-preview-text]").TextContent);
        Assert.Contains("No pt-BR text; using pt", cut.Find("[data-testid=template-preview]").TextContent, StringComparison.Ordinal);
        cut.Find("[data-testid=template-use]").Click();
        Assert.Same(resolved, used);
    }

    [Fact]
    public async Task SayWhenAKeyHasNoTextForTheConversation()
    {
        var cut = _context.Render<ConversationTemplatePicker>(p => p
            .Add(t => t.Keys, ["custom"])
            .Add(t => t.Resolve, _ => Task.FromResult<ResolvedTemplate?>(null)));

        var select = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("custom"));

        Assert.NotNull(cut.Find("[data-testid=template-missing]"));
        Assert.Empty(cut.FindAll("[data-testid=template-preview]"));
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
