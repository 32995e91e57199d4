using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Identity;
using OmniChat.TestKit;

namespace OmniChat.Api.Tests;

/// <summary>
/// The website widget's routes as a browser calls them (docs/widget.md): site-key bootstrap behind the Origin allowlist
/// with exact CORS, sessions in a partitioned HttpOnly cookie, visitor messages, identity verification, the widget
/// channel's settings, and the bundles the Api serves.
/// </summary>
public sealed class WidgetApiShould(ApiFixture api)
{
    private const string Shop = "https://shop.example";
    private static readonly string[] ShopOnly = [Shop];
    private static readonly string[] OriginWithPath = ["https://shop.example/path"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TellASuspendedTenantsVisitorsThatItIsOfflineAndStartNothing()
    {
        var tenant = await NewWidgetTenantAsync();
        var other = await NewWidgetTenantAsync();
        await api.ScalarAsync<int>("WITH t AS (UPDATE tenants SET status = 'Suspended' WHERE id = $1 RETURNING 1) SELECT count(*)::int FROM t", tenant.Id);

        // The tenant store keeps look-ups by site key a few seconds: wait for the suspension to show.
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop);
            return response.StatusCode == HttpStatusCode.OK && (await response.JsonAsync()).GetProperty("status").GetString() == "offline";
        }, "the suspended tenant's widget bootstraps as offline");
        using var start = await SendAsync(HttpMethod.Post, $"/v2/widget/conversations?siteKey={tenant.SiteKey}", Shop, new { name = "Ann" });
        using var online = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={other.SiteKey}", Shop);

        await start.AssertProblemAsync(403, "tenant_suspended");
        Assert.Equal("online", (await online.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task BootstrapForAnAllowedOriginWithExactCorsAndRefuseAnyOther()
    {
        var tenant = await NewWidgetTenantAsync();

        using var allowed = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}&locale=de-AT", Shop);
        var body = await allowed.JsonAsync();
        using var refused = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", "https://evil.example");
        using var preflight = await SendAsync(HttpMethod.Options, $"/v2/widget/conversations/{Guid.NewGuid()}/messages?siteKey={tenant.SiteKey}", Shop,
            preflight: true);
        using var evilPreflight = await SendAsync(HttpMethod.Options, $"/v2/widget/conversations/{Guid.NewGuid()}/messages?siteKey={tenant.SiteKey}",
            "https://evil.example", preflight: true);
        using var unknown = await SendAsync(HttpMethod.Get, "/v2/widget/bootstrap?siteKey=wk_" + new string('x', 24), Shop);

        Assert.True(allowed.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(Shop, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(allowed, "Access-Control-Allow-Credentials"));
        Assert.Equal(tenant.SiteKey, body.GetProperty("siteKey").GetString());
        Assert.Equal("de-AT", body.GetProperty("locale").GetString());
        Assert.Equal("ltr", body.GetProperty("direction").GetString());
        Assert.Equal("Chat with us", body.GetProperty("texts").GetProperty("title").GetString());
        Assert.Equal("#2563eb", body.GetProperty("theme").GetProperty("primaryColor").GetString());
        Assert.StartsWith("ws://", body.GetProperty("realtimeUrl").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("sha384-", body.GetProperty("app").GetProperty("integrity").GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("conversation", out _));
        await refused.AssertProblemAsync(403, "origin_not_allowed");
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Shop, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Contains("authorization", Header(preflight, "Access-Control-Allow-Headers"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, evilPreflight.StatusCode);
        Assert.Null(Header(evilPreflight, "Access-Control-Allow-Methods"));
        await unknown.AssertProblemAsync(404, "site_key_not_found");
    }

    [Fact]
    public async Task ResolveTheTenantsOwnTextsByLocaleAndTurnRightToLeft()
    {
        var tenant = await NewWidgetTenantAsync(ApiScopes.TemplatesWrite);
        using var admin = api.CreateClient(tenant.ApiKey);
        (await admin.PutAsJsonAsync("/v2/templates/widget.title/translations/ar", new { text = "تحدث معنا" }, Ct)).EnsureSuccessStatusCode();

        using var arabic = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop, acceptLanguage: "ar-EG,ar;q=0.9");
        var body = await arabic.JsonAsync();

        Assert.Equal("rtl", body.GetProperty("direction").GetString());
        Assert.Equal("تحدث معنا", body.GetProperty("texts").GetProperty("title").GetString());
        Assert.Equal("Send", body.GetProperty("texts").GetProperty("send").GetString());
    }

    [Fact]
    public async Task KeepTheConversationInAPartitionedHttpOnlyCookieAcrossAReload()
    {
        var tenant = await NewWidgetTenantAsync();
        using var started = await SendAsync(HttpMethod.Post, $"/v2/widget/conversations?siteKey={tenant.SiteKey}", Shop, new { name = "Ann" });
        var session = await started.JsonAsync();
        var cookie = SetCookie(started);
        var conversationId = session.GetProperty("conversationId").GetGuid();
        using var visitor = api.CreateClient(session.GetProperty("token").GetString());
        using var sent = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{conversationId}/messages?siteKey={tenant.SiteKey}",
            new { text = "Hello" }, Ct);

        // A reload: the page has nothing but the cookie.
        using var reloaded = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop, cookie: cookie);
        var resumed = (await reloaded.JsonAsync()).GetProperty("conversation");
        var rotated = SetCookie(reloaded);
        // Two tabs reloading at once present the same cookie: the second is not a theft.
        using var secondTab = await SendAsync(HttpMethod.Post, $"/v2/widget/session?siteKey={tenant.SiteKey}", Shop, new { }, cookie: cookie);
        using var withoutCookie = await SendAsync(HttpMethod.Post, $"/v2/widget/session?siteKey={tenant.SiteKey}", Shop, new { });

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var attributes = cookie.Attributes;
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=none", attributes);
        Assert.Contains("partitioned", attributes);
        Assert.Contains("path=/v2/widget", attributes);
        Assert.False(string.IsNullOrEmpty(session.GetProperty("ticket").GetString()));
        Assert.Equal(conversationId, resumed.GetProperty("conversationId").GetGuid());
        Assert.NotEqual(cookie.Value, rotated.Value);
        Assert.Equal(HttpStatusCode.OK, secondTab.StatusCode);
        await withoutCookie.AssertProblemAsync(404, "no_session");
    }

    [Fact]
    public async Task ReopenAClosedConversationWhenTheVisitorWritesAgain()
    {
        var tenant = await NewWidgetTenantAsync(ApiScopes.ConversationsWrite, ApiScopes.ConversationsRead);
        var (conversationId, token, _) = await StartAsync(tenant);
        using var agent = api.CreateClient(tenant.ApiKey);
        (await agent.PostAsync(new Uri($"/v2/conversations/{conversationId}/close", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        using var visitor = api.CreateClient(token);

        using var again = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{conversationId}/messages", new { text = "One more thing" }, Ct);
        var conversation = await (await agent.GetAsync(new Uri($"/v2/conversations/{conversationId}", UriKind.Relative), Ct)).JsonAsync();

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("open", conversation.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TakeAFileAloneAsAMessageButNotAnEmptyOne()
    {
        var tenant = await NewWidgetTenantAsync();
        var (conversationId, token, _) = await StartAsync(tenant);
        using var visitor = api.CreateClient(token);
        using var upload = await visitor.PostAsync(new Uri($"/v2/widget/attachments?siteKey={tenant.SiteKey}", UriKind.Relative),
            new MultipartFormDataContent { { new ByteArrayContent(OnePixelPng) { Headers = { ContentType = new("image/png") } }, "file", "dot.png" } }, Ct);
        var attachmentId = (await upload.JsonAsync()).GetProperty("id").GetGuid();

        using var fileAlone = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{conversationId}/messages",
            new { text = "", attachmentIds = new[] { attachmentId } }, Ct);
        var message = await fileAlone.JsonAsync();
        using var empty = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{conversationId}/messages", new { text = " " }, Ct);

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fileAlone.StatusCode);
        Assert.Equal("", message.GetProperty("text").GetString());
        Assert.Equal("dot.png", message.GetProperty("attachments").EnumerateArray().Single().GetProperty("name").GetString());
        await empty.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task TakeOnlyTheFileTypesTheTenantChose()
    {
        var tenant = await NewWidgetTenantAsync();
        using var admin = api.CreateClient(tenant.ApiKey);
        using var refused = await admin.PutAsJsonAsync("/v2/channels/widget", new { attachmentTypes = HtmlAndPng }, Ct);
        var set = await (await admin.PutAsJsonAsync("/v2/channels/widget", new { attachmentTypes = PngOnly }, Ct)).JsonAsync();
        using var bootstrap = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop);
        var (conversationId, token, _) = await StartAsync(tenant);
        using var visitor = api.CreateClient(token);

        using var text = await visitor.PostAsync(new Uri($"/v2/widget/attachments?siteKey={tenant.SiteKey}", UriKind.Relative),
            new MultipartFormDataContent { { new ByteArrayContent("just words"u8.ToArray()) { Headers = { ContentType = new("text/plain") } }, "file", "a.txt" } }, Ct);
        using var png = await visitor.PostAsync(new Uri($"/v2/widget/attachments?siteKey={tenant.SiteKey}", UriKind.Relative),
            new MultipartFormDataContent { { new ByteArrayContent(OnePixelPng) { Headers = { ContentType = new("image/png") } }, "file", "dot.png" } }, Ct);
        var reset = await (await admin.PutAsJsonAsync("/v2/channels/widget", new { attachmentTypes = Array.Empty<string>() }, Ct)).JsonAsync();

        Assert.Equal("attachmentTypes", (await refused.AssertProblemAsync(400, "validation_failed")).GetProperty("errors").EnumerateObject().Single().Name);
        Assert.Equal(PngOnly, set.GetProperty("attachmentTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(PngOnly, (await bootstrap.JsonAsync()).GetProperty("features").GetProperty("attachments").GetProperty("types").EnumerateArray().Select(t => t.GetString()));
        await text.AssertProblemAsync(415, "unsupported_media_type");
        Assert.Equal(HttpStatusCode.Created, png.StatusCode);
        Assert.Contains("text/plain", reset.GetProperty("attachmentTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.NotEqual(Guid.Empty, conversationId);
    }

    private static readonly string[] HtmlAndPng = ["text/html", "image/png"];
    private static readonly string[] PngOnly = ["image/png"];

    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task VerifyTheSitesSignedUserAndContinueTheirConversationOnAnotherDevice()
    {
        var tenant = await NewWidgetTenantAsync(ApiScopes.ConversationsRead);
        var identity = new { userId = "user-42", userHash = WidgetSecrets.Sign(tenant.IdentitySecret, "user-42"), name = "Ada", email = "ada@example.com" };
        var (conversationId, token, _) = await StartAsync(tenant);
        using var visitor = api.CreateClient(token);

        using var wrong = await visitor.PostAsJsonAsync($"/v2/widget/identify?siteKey={tenant.SiteKey}",
            identity with { userHash = WidgetSecrets.Sign("wis_not-the-secret", "user-42") }, Ct);
        using var identified = await visitor.PostAsJsonAsync($"/v2/widget/identify?siteKey={tenant.SiteKey}", identity, Ct);
        var customerId = (await identified.JsonAsync()).GetProperty("customerId").GetGuid();
        // Another device: no cookie, the same signed user.
        using var otherDevice = await SendAsync(HttpMethod.Post, $"/v2/widget/session?siteKey={tenant.SiteKey}", Shop, new { identity });
        using var impostor = await SendAsync(HttpMethod.Post, $"/v2/widget/session?siteKey={tenant.SiteKey}", Shop,
            new { identity = identity with { userHash = new string('0', 64) } });
        using var agent = api.CreateClient(tenant.ApiKey);
        var conversation = await (await agent.GetAsync(new Uri($"/v2/conversations/{conversationId}", UriKind.Relative), Ct)).JsonAsync();

        await wrong.AssertProblemAsync(401, "identity_invalid");
        Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
        Assert.Equal(conversationId, (await otherDevice.JsonAsync()).GetProperty("conversationId").GetGuid());
        Assert.NotNull(SetCookie(otherDevice).Value);
        await impostor.AssertProblemAsync(401, "identity_invalid");
        Assert.Equal(customerId, conversation.GetProperty("customerId").GetGuid());
    }

    [Fact]
    public async Task KeepEachTenantsWidgetToItself()
    {
        var a = await NewWidgetTenantAsync();
        var b = await NewWidgetTenantAsync();
        var (conversationId, tokenOfA, cookieOfA) = await StartAsync(a);
        var userHashOfA = WidgetSecrets.Sign(a.IdentitySecret, "u1");
        using var visitorOfA = api.CreateClient(tokenOfA);
        using var adminOfB = api.CreateClient(b.ApiKey);

        // A's cookie presented on B's site key, A's token on B's site key, A's signed user at B, B's key reading A's widget.
        using var cookieAtB = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={b.SiteKey}", Shop, cookie: cookieOfA);
        using var tokenAtB = await visitorOfA.PostAsJsonAsync($"/v2/widget/conversations/{conversationId}/messages?siteKey={b.SiteKey}",
            new { text = "still A's conversation" }, Ct);
        using var userOfAAtB = await SendAsync(HttpMethod.Post, $"/v2/widget/session?siteKey={b.SiteKey}", Shop,
            new { identity = new { userId = "u1", userHash = userHashOfA } });
        var widgetOfB = await (await adminOfB.GetAsync(new Uri("/v2/channels/widget", UriKind.Relative), Ct)).JsonAsync();
        var messagesOfA = await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", conversationId);

        Assert.False((await cookieAtB.JsonAsync()).TryGetProperty("conversation", out _));
        Assert.Equal(HttpStatusCode.Created, tokenAtB.StatusCode); // the token's tenant decides: A's own conversation
        Assert.Equal(1, messagesOfA);
        await userOfAAtB.AssertProblemAsync(401, "identity_invalid");
        Assert.Equal(b.SiteKey, widgetOfB.GetProperty("siteKey").GetString());
    }

    [Fact]
    public async Task ShowTheIdentitySecretOnceAndValidateSettings()
    {
        var tenant = await NewWidgetTenantAsync();
        using var admin = api.CreateClient(tenant.ApiKey);

        var shown = await (await admin.GetAsync(new Uri("/v2/channels/widget", UriKind.Relative), Ct)).JsonAsync();
        using var invalid = await admin.PutAsJsonAsync("/v2/channels/widget",
            new { allowedOrigins = OriginWithPath, primaryColor = "blue", position = "top" }, Ct);
        var rotated = await (await admin.PutAsJsonAsync("/v2/channels/widget", new { rotateSiteKey = true, primaryColor = "#0F766E", position = "left" }, Ct))
            .JsonAsync();
        using var oldKey = await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop);
        var audit = await api.ScalarAsync<long>("SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND action LIKE 'widget.%'", tenant.Id);

        Assert.False(shown.TryGetProperty("identitySecret", out _));
        Assert.Equal("…" + tenant.IdentitySecret[^4..], shown.GetProperty("identitySecretHint").GetString());
        Assert.Contains($"data-site-key=\"{tenant.SiteKey}\"", shown.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        var errors = (await invalid.AssertProblemAsync(400, "validation_failed")).GetProperty("errors");
        Assert.True(errors.TryGetProperty("allowedOrigins", out _) && errors.TryGetProperty("primaryColor", out _) && errors.TryGetProperty("position", out _));
        Assert.NotEqual(tenant.SiteKey, rotated.GetProperty("siteKey").GetString());
        Assert.Equal("#0f766e", rotated.GetProperty("primaryColor").GetString());
        Assert.Equal("left", rotated.GetProperty("position").GetString());
        await oldKey.AssertProblemAsync(404, "site_key_not_found");
        Assert.Equal(2, audit);
    }

    [Fact]
    public async Task ServeTheLoaderAndTheContentAddressedAppWithCachingCompressionAndIntegrity()
    {
        var tenant = await NewWidgetTenantAsync();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = api.App.ServiceUrls[Core.ResourceNames.Api],
        };
        using var loaderRequest = new HttpRequestMessage(HttpMethod.Get, "/widget.js") { Headers = { { "Accept-Encoding", "gzip" } } };
        using var loader = await http.SendAsync(loaderRequest, Ct);
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/widget.js") { Headers = { { "If-None-Match", loader.Headers.ETag!.Tag } } };
        using var notModified = await http.SendAsync(revalidate, Ct);
        var app = (await (await SendAsync(HttpMethod.Get, $"/v2/widget/bootstrap?siteKey={tenant.SiteKey}", Shop).ConfigureAwait(true)).JsonAsync())
            .GetProperty("app");
        using var appRequest = new HttpRequestMessage(HttpMethod.Get, app.GetProperty("url").GetString()) { Headers = { { "Accept-Encoding", "br" } } };
        using var bundle = await http.SendAsync(appRequest, Ct);
        await using var brotli = new BrotliStream(await bundle.Content.ReadAsStreamAsync(Ct), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        await brotli.CopyToAsync(raw, Ct);
        using var staleHash = await http.GetAsync(new Uri("/widget/app.000000000000.js", UriKind.Relative), Ct);
        using var v1 = await http.GetAsync(new Uri("/widget/v1.js", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, loader.StatusCode);
        Assert.Equal("text/javascript", loader.Content.Headers.ContentType?.MediaType);
        Assert.Equal("gzip", loader.Content.Headers.ContentEncoding.Single());
        Assert.Equal(TimeSpan.FromSeconds(300), loader.Headers.CacheControl?.MaxAge);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Contains("immutable", bundle.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(app.GetProperty("integrity").GetString(), "sha384-" + Convert.ToBase64String(SHA384.HashData(raw.ToArray())));
        Assert.Equal(HttpStatusCode.NotFound, staleHash.StatusCode);
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
    }

    private async Task<(Guid ConversationId, string Token, Cookie Cookie)> StartAsync(WidgetTenant tenant)
    {
        using var started = await SendAsync(HttpMethod.Post, $"/v2/widget/conversations?siteKey={tenant.SiteKey}", Shop, new { });
        var session = await started.JsonAsync();
        return (session.GetProperty("conversationId").GetGuid(), session.GetProperty("token").GetString()!, SetCookie(started));
    }

    /// <summary>A browser's request: an Origin, maybe the widget cookie (HttpClient would not send a Secure cookie over http).</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string origin, object? body = null, Cookie? cookie = null,
        bool preflight = false, string? acceptLanguage = null)
    {
        using var client = new HttpClient { BaseAddress = api.App.ServiceUrls[Core.ResourceNames.Api] };
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Origin", origin);
        if (preflight)
        {
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        }
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        }
        if (acceptLanguage is not null)
        {
            request.Headers.Add("Accept-Language", acceptLanguage);
        }
        var response = await client.SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static Cookie SetCookie(HttpResponseMessage response)
    {
        var raw = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("omnichat_", StringComparison.Ordinal));
        var parts = raw.Split(';', StringSplitOptions.TrimEntries);
        var nameValue = parts[0].Split('=', 2);
        return new Cookie(nameValue[0], nameValue[1], [.. parts.Skip(1).Select(p => p.ToLowerInvariant())]);
    }

    /// <summary>A tenant of its own with its widget set up through the Api (as the AppHost does for the seeded ones).</summary>
    private async Task<WidgetTenant> NewWidgetTenantAsync(params string[] extraScopes)
    {
        var id = Guid.CreateVersion7();
        await api.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Widget test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t",
            id, $"wg-{id.ToString("N")[..12]}");
        var key = await api.CreateApiKeyAsync(id, [ApiScopes.ChannelsWrite, .. extraScopes]);
        using var admin = api.CreateClient(key);
        using var configured = await admin.PutAsJsonAsync("/v2/channels/widget", new { allowedOrigins = ShopOnly, rotateIdentitySecret = true }, Ct);
        var widget = await configured.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
        return new WidgetTenant(id, key, widget.GetProperty("siteKey").GetString()!, widget.GetProperty("identitySecret").GetString()!);
    }

    private sealed record WidgetTenant(Guid Id, string ApiKey, string SiteKey, string IdentitySecret);

    private sealed record Cookie(string Name, string Value, IReadOnlyList<string> Attributes);
}
