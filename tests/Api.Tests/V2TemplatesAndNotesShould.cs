using System.Net;
using System.Net.Http.Json;

namespace OmniChat.Api.Tests;

public sealed class V2TemplatesAndNotesShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> PreviewSourceAsync(HttpClient client, string key, string locale)
    {
        var body = await (await client.GetAsync(new Uri($"/v2/templates/{key}/preview?locale={locale}", UriKind.Relative), Ct)).JsonAsync();
        return $"{body.GetProperty("source").GetString()}:{body.GetProperty("resolvedLocale").GetString()}:{body.GetProperty("text").GetString()}";
    }

    [Fact]
    public async Task ResolveTheFallbackChainAndSayWhichStepAnswered()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var key = "greeting-" + Guid.NewGuid().ToString("N")[..6];
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/pt-br", new { text = "Olá (Brasil)" }, Ct)).Dispose();
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/pt", new { text = "Olá" }, Ct)).Dispose();
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/en", new { text = "Hello" }, Ct)).Dispose();

        Assert.Equal("locale:pt-BR:Olá (Brasil)", await PreviewSourceAsync(client, key, "pt-BR"));
        Assert.Equal("language:pt:Olá", await PreviewSourceAsync(client, key, "pt-PT"));
        Assert.Equal("tenant_default:en:Hello", await PreviewSourceAsync(client, key, "de-DE"));
        Assert.Equal("platform_default:en:Hi! How can we help you today?", await PreviewSourceAsync(client, "welcome", "de"));
        using var missing = await client.GetAsync(new Uri("/v2/templates/nothing-here/preview?locale=en", UriKind.Relative), Ct);
        await missing.AssertProblemAsync(404, "template_not_found");
    }

    [Fact]
    public async Task ListUpdateAndDeleteTranslations()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var key = "bye-" + Guid.NewGuid().ToString("N")[..6];

        var first = await (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/en", new { text = "Bye" }, Ct)).JsonAsync();
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/en", new { text = "Goodbye" }, Ct)).Dispose();
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/fr", new { text = "Au revoir" }, Ct)).Dispose();
        var template = await (await client.GetAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct)).JsonAsync();
        using var deleteFr = await client.DeleteAsync(new Uri($"/v2/templates/{key}/translations/fr", UriKind.Relative), Ct);
        using var deleteAll = await client.DeleteAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct);
        using var gone = await client.GetAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct);
        using var badLocale = await client.PutAsJsonAsync($"/v2/templates/{key}/translations/not_a_locale", new { text = "x" }, Ct);
        using var badKey = await client.PutAsJsonAsync("/v2/templates/Bad%20Key/translations/en", new { text = "x" }, Ct);

        Assert.Equal("en", first.GetProperty("locale").GetString());
        Assert.Equal(["en:Goodbye", "fr:Au revoir"], template.GetProperty("translations").EnumerateArray()
            .Select(t => $"{t.GetProperty("locale").GetString()}:{t.GetProperty("text").GetString()}"));
        Assert.Equal(HttpStatusCode.NoContent, deleteFr.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteAll.StatusCode);
        await gone.AssertProblemAsync(404, "template_not_found");
        await badLocale.AssertProblemAsync(400, "validation_failed");
        await badKey.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task KeepEachTenantsTemplatesToItself()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var owner = api.CreateClient(api.DefaultTenant.ApiKey);
        var key = "secret-" + Guid.NewGuid().ToString("N")[..6];
        (await owner.PutAsJsonAsync($"/v2/templates/{key}/translations/en", new { text = "default only" }, Ct)).Dispose();

        using var read = await demo.GetAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct);
        using var delete = await demo.DeleteAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct);
        using var preview = await demo.GetAsync(new Uri($"/v2/templates/{key}/preview?locale=en", UriKind.Relative), Ct);

        await read.AssertProblemAsync(404, "template_not_found");
        await delete.AssertProblemAsync(404, "template_not_found");
        await preview.AssertProblemAsync(404, "template_not_found");
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(new Uri($"/v2/templates/{key}", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task SendNotesFromTextOrFromATemplateInTheConversationsLocale()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        var key = "hours-" + Guid.NewGuid().ToString("N")[..6];
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/es", new { text = "Abrimos a las 9" }, Ct)).Dispose();
        (await client.PutAsJsonAsync($"/v2/templates/{key}/translations/en", new { text = "We open at 9" }, Ct)).Dispose();
        using var created = await client.PostAsJsonAsync("/v2/conversations", new { name = "note target", locale = "es-MX" }, Ct);
        var id = (await created.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();

        using var fromKey = await client.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { key }, Ct);
        using var fromText = await client.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { text = "Free text note" }, Ct);
        using var both = await client.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { key, text = "x" }, Ct);
        using var unknown = await client.PostAsJsonAsync($"/v2/conversations/{id}/notes", new { key = "no-such-key" }, Ct);
        var messages = await (await client.GetAsync(new Uri($"/v2/conversations/{id}/messages", UriKind.Relative), Ct)).JsonAsync();

        var note = await fromKey.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, fromKey.StatusCode);
        Assert.Equal("Abrimos a las 9", note.GetProperty("text").GetString());
        Assert.Equal(key, note.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.Created, fromText.StatusCode);
        await both.AssertProblemAsync(400, "validation_failed");
        await unknown.AssertProblemAsync(404, "template_not_found");
        Assert.Equal(["SYSTEM:Abrimos a las 9", "SYSTEM:Free text note"], messages.GetProperty("messages").EnumerateArray()
            .Select(m => $"{m.GetProperty("direction").GetString()}:{m.GetProperty("text").GetString()}"));
    }
}
