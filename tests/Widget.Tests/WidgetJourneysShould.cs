using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core.Channels.Widget;
using OmniChat.TestKit;

namespace OmniChat.Widget.Tests;

/// <summary>
/// A visitor's journeys with the widget on the demo page, in a real chromium against the running system: the agent
/// answers from the tenant's Telegram support group (the sandbox, acting as a group member) or through the API.
/// </summary>
public sealed partial class WidgetJourneysShould(WidgetFixture fixture) : IDisposable
{
    private const long Agent = 6_100_001;

    private readonly HttpClient _sandbox = new() { BaseAddress = fixture.SandboxUrl };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CredentialTenant Demo => fixture.App.Credentials.Tenants.Single(t => t.Identifier == "demo");

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task LetAVisitorTalkToAnAgentInTheTelegramTopicAndKeepTheHistoryOnReload()
    {
        var tenant = Demo;
        var telegram = tenant.Telegram!;
        await using var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await OpenDemoAsync(context, tenant);

        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Hello, where is my order 1042?");
        var conversationId = await ConversationOfAsync("Hello, where is my order 1042?");
        var (thread, card) = await TopicAsync(telegram.BotId, telegram.SupportGroupId, conversationId, "Hello, where is my order 1042?");
        await PressAsync(telegram.BotId, telegram.SupportGroupId, card, $"claim:{conversationId:N}");
        await System(page, "agent_joined").Filter(new() { HasText = "Grace" }).WaitForAsync();
        await WriteInTopicAsync(telegram.BotId, telegram.SupportGroupId, thread, "Hi! It left our warehouse today.");
        await Message(page, "OUTBOUND", "Hi! It left our warehouse today.").WaitForAsync();
        await WriteInTopicAsync(telegram.BotId, telegram.SupportGroupId, thread, "/note Deliveries take 2 to 3 days.");
        await System(page, "info_note").Filter(new() { HasText = "Deliveries take 2 to 3 days." }).WaitForAsync();
        await Screenshot(page, "widget-desktop.png");
        await WriteInTopicAsync(telegram.BotId, telegram.SupportGroupId, thread, "/close");
        await System(page, "conversation_closed").WaitForAsync();

        await page.ReloadAsync();
        await page.GetByTestId("launcher").ClickAsync();
        await Message(page, "OUTBOUND", "Hi! It left our warehouse today.").WaitForAsync();

        Assert.Equal(1, await Message(page, "INBOUND", "Hello, where is my order 1042?").CountAsync());
        Assert.Equal(1, await Message(page, "OUTBOUND", "Hi! It left our warehouse today.").CountAsync());
        Assert.Equal(1, await System(page, "conversation_closed").CountAsync());
    }

    [Fact]
    public async Task DeliverEveryAgentMessageOnceAndInOrderAfterTheNetworkDrops()
    {
        var tenant = Demo;
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dropped = false;
        var sockets = new List<IWebSocketRoute>();
        await page.RouteWebSocketAsync(new Regex("/v2/ws"), socket =>
        {
            if (dropped)
            {
                _ = socket.CloseAsync(new() { Code = 4000, Reason = "network down" });
                return;
            }
            socket.ConnectToServer();
            lock (sockets)
            {
                sockets.Add(socket);
            }
        });
        await page.RouteAsync("**/v2/widget/**", route => dropped ? route.AbortAsync("internetdisconnected") : route.ContinueAsync());
        await page.GotoAsync(new Uri(fixture.ApiUrl, $"/demo?siteKey={tenant.SiteKey}").ToString());
        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Are you there? (network test)");
        var conversationId = await ConversationOfAsync("Are you there? (network test)");
        using var api = ApiClient(tenant.ApiKey);
        (await api.PostAsJsonAsync($"/v2/conversations/{conversationId}/claim", new { agent = "bob" }, Ct)).EnsureSuccessStatusCode();
        await System(page, "agent_joined").WaitForAsync();

        dropped = true;
        IWebSocketRoute[] open;
        lock (sockets)
        {
            open = [.. sockets];
        }
        foreach (var socket in open)
        {
            await socket.CloseAsync(new() { Code = 4000, Reason = "network down" });
        }
        await page.GetByTestId("connection-state").Filter(new() { HasTextRegex = new Regex("reconnecting", RegexOptions.IgnoreCase) }).WaitForAsync();
        for (var i = 1; i <= 5; i++)
        {
            (await api.PostAsJsonAsync($"/v2/conversations/{conversationId}/messages", new { agent = "bob", text = $"update {i} of 5" }, Ct))
                .EnsureSuccessStatusCode();
        }
        dropped = false;

        await Message(page, "OUTBOUND", "update 5 of 5").WaitForAsync(new() { Timeout = 60_000 });
        var shown = await page.GetByTestId("message").Filter(new() { HasTextRegex = new Regex("update \\d of 5") }).AllInnerTextsAsync();
        var order = shown.Select(text => UpdateNumber().Match(text).Groups[1].Value).ToList();
        Assert.Equal(["1", "2", "3", "4", "5"], order);
    }

    [Fact]
    public async Task WorkOnTheTenantsOwnWebsiteOnAnotherOriginAndKeepTheConversationThroughAReload()
    {
        var tenant = Demo;
        var loader = new Uri(fixture.ApiUrl, "/widget.js");
        // The tenant's site on another origin than the Api (a third-party context for the widget's cookie).
        await using var site = HostPage.Start($"<!doctype html><html lang=\"en\"><head><title>Shop</title></head><body><h1>Our shop</h1>" +
            $"<script src=\"{loader}\" data-site-key=\"{tenant.SiteKey}\" async></script></body></html>");
        using var admin = ApiClient(tenant.ApiKey);
        var origin = site.Url.TrimEnd('/');
        (await admin.PutAsJsonAsync("/v2/channels/widget", new { allowedOrigins = new[] { origin } }, Ct)).EnsureSuccessStatusCode();
        try
        {
            await using var context = await fixture.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(site.Url);
            await page.GetByTestId("launcher").ClickAsync();
            await SendAsync(page, "Hello from the shop's own site");
            var conversationId = await ConversationOfAsync("Hello from the shop's own site");

            await page.ReloadAsync();
            await page.GetByTestId("launcher").ClickAsync();
            await Message(page, "INBOUND", "Hello from the shop's own site").WaitForAsync();
            (await admin.PostAsJsonAsync($"/v2/conversations/{conversationId}/claim", new { agent = "bob" }, Ct)).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/v2/conversations/{conversationId}/messages", new { agent = "bob", text = "Welcome back" }, Ct))
                .EnsureSuccessStatusCode();
            await Message(page, "OUTBOUND", "Welcome back").WaitForAsync();

            Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM conversations WHERE tenant_id = $1 AND id = $2", tenant.Id, conversationId));
            Assert.Equal(1, await Message(page, "INBOUND", "Hello from the shop's own site").CountAsync());
        }
        finally
        {
            (await admin.PutAsJsonAsync("/v2/channels/widget", new { allowedOrigins = Array.Empty<string>() }, Ct)).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task ShowAClearErrorOnAWebsiteNotOnTheAllowlistAndGetRefusedByTheApi()
    {
        var tenant = Demo;
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var loader = new Uri(fixture.ApiUrl, "/widget.js");
        // Another website on this machine (a page Playwright made up would count as public, and Chromium's private network
        // rules would stop the script before our Api could refuse anything): localhost, not the Api's 127.0.0.1.
        await using var elsewhere = HostPage.Start($"<!doctype html><html lang=\"en\"><head><title>Elsewhere</title></head><body><h1>Not our site</h1>" +
            $"<script src=\"{loader}\" data-site-key=\"{tenant.SiteKey}\" async></script></body></html>");
        var bootstrap = page.WaitForResponseAsync(r => r.Url.Contains("/v2/widget/bootstrap", StringComparison.Ordinal));

        await page.GotoAsync(elsewhere.Url);
        var refused = await bootstrap;
        await page.GetByTestId("launcher").ClickAsync();
        var error = page.GetByTestId("error");
        await error.WaitForAsync();

        Assert.Equal(403, refused.Status);
        Assert.Equal("origin_not_allowed", (await refused.JsonAsync())?.GetProperty("code").GetString());
        Assert.Contains("allowlist", await error.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.False(await page.GetByTestId("composer").IsVisibleAsync());
    }

    [Fact]
    public async Task StayAnonymousWithAWarningWhenTheUserHashIsWrongAndBindAVerifiedUser()
    {
        var tenant = Demo;
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await OpenDemoAsync(context, tenant);
        var warnings = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "warning")
            {
                lock (warnings)
                {
                    warnings.Add(message.Text);
                }
            }
        };
        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Hello before signing in");
        var conversationId = await ConversationOfAsync("Hello before signing in");
        var identify = page.WaitForResponseAsync(r => r.Url.Contains("/v2/widget/identify", StringComparison.Ordinal));

        await page.EvaluateAsync("h => OmniChat.identify({ userId: 'user-7', userHash: h })", WidgetSecrets.Sign("wis_wrong", "user-7"));
        var refused = await identify;
        await Eventually.HoldsAsync(() => Task.FromResult(Warnings().Any(w => w.Contains("identity_invalid", StringComparison.Ordinal))),
            "the widget warns in the console");
        var anonymous = await CustomerOfAsync(conversationId);
        var accepted = page.WaitForResponseAsync(r => r.Url.Contains("/v2/widget/identify", StringComparison.Ordinal));
        await page.EvaluateAsync("h => OmniChat.identify({ userId: 'user-7', userHash: h, name: 'Ada' })", WidgetSecrets.Sign(tenant.IdentitySecret!, "user-7"));

        Assert.Equal(401, refused.Status);
        Assert.Null(anonymous);
        Assert.Equal(200, (await accepted).Status);
        Assert.NotNull(await CustomerOfAsync(conversationId));

        List<string> Warnings()
        {
            lock (warnings)
            {
                return [.. warnings];
            }
        }
    }

    [Fact]
    public async Task KeepItsLookOnAHostilePageAndWorkByKeyboardAlone()
    {
        var tenant = Demo;
        // Reduced motion: the panel's opening animation would move the box being compared (and the widget honours the setting).
        await using var context = await fixture.Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1280, Height = 800 }, ReducedMotion = ReducedMotion.Reduce,
        });
        var page = await OpenDemoAsync(context, tenant);
        await page.GetByTestId("launcher").ClickAsync();
        await page.GetByTestId("composer").WaitForAsync();
        var before = await LookAsync(page);
        await page.GetByTestId("close").ClickAsync();

        await page.AddStyleTagAsync(new() { Content = "* { all: unset !important; } html, body, div, button { font-size: 48px !important; line-height: 3 !important; }" });
        // Keyboard only from here: focus the launcher, open, type, send, close.
        await page.GetByTestId("launcher").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("panel").WaitForAsync();
        var after = await LookAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('omnichat-widget').shadowRoot.activeElement !== null"),
            "focus moved into the panel");
        await page.Keyboard.TypeAsync("Typed without a mouse");
        await page.Keyboard.PressAsync("Enter");
        await Message(page, "INBOUND", "Typed without a mouse").WaitForAsync();
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement?.id === 'omnichat-widget'"), "focus stays in the open widget");
        }
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("panel").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        var focused = await page.EvaluateAsync<string?>("() => document.getElementById('omnichat-widget').shadowRoot.activeElement?.dataset.testid ?? null");

        Assert.Equal(before, after);
        Assert.Contains("system-ui", before, StringComparison.Ordinal); // its own font, not the browser's default serif
        Assert.Equal("launcher", focused);
    }

    [Fact]
    public async Task PassAnAccessibilityScanAndFitAPhone()
    {
        var tenant = Demo;
        await using var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 375, Height = 740 }, IsMobile = true });
        var page = await OpenDemoAsync(context, tenant);
        var closed = await page.RunAxe();
        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Hello from my phone");
        await System(page, "agent_joined").Or(Message(page, "INBOUND", "Hello from my phone")).First.WaitForAsync();
        var open = await page.RunAxe();
        var panel = await page.GetByTestId("panel").BoundingBoxAsync();
        await Screenshot(page, "widget-phone.png");

        Assert.Empty(Serious(closed));
        Assert.Empty(Serious(open));
        Assert.NotNull(panel);
        Assert.True(panel.X >= 0 && panel.X + panel.Width <= 375.5, $"the panel fits the phone's width ({panel.X}, {panel.Width})");
    }

    [Fact]
    public async Task SendAnImageAndRefuseAFileOverThePlansLimitInTheWidgetAndInTheApi()
    {
        // A tenant on the Free plan: files up to 5 MB.
        var id = Guid.CreateVersion7();
        await fixture.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Files test', 'free', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t", id, $"files-{id.ToString("N")[..12]}");
        var key = Core.Identity.ApiKeySecret.Generate("test");
        await fixture.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, Core.Identity.ApiKeySecret.Prefix(key), Core.Identity.ApiKeySecret.Hash(key),
            Core.Identity.ApiScopes.All.ToArray());
        using var admin = ApiClient(key);
        var siteKey = (await (await admin.PutAsJsonAsync("/v2/channels/widget", new { }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct))
            .GetProperty("siteKey").GetString();
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var uploads = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("/v2/widget/attachments", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref uploads);
            }
        };
        await page.GotoAsync(new Uri(fixture.ApiUrl, $"/demo?siteKey={siteKey}").ToString());
        await page.GetByTestId("launcher").ClickAsync();

        await page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "receipt.png", MimeType = "image/png", Buffer = OnePixelPng });
        await page.GetByTestId("upload").WaitForAsync();
        await SendAsync(page, "Here is the receipt");
        await page.GetByTestId("message").Filter(new() { HasText = "Here is the receipt" }).Locator("img, [data-testid=attachment]").First.WaitForAsync();
        var conversationId = await ConversationOfAsync("Here is the receipt");
        var tooLarge = new byte[(5 << 20) + 1];
        "%PDF-1.7\n"u8.CopyTo(tooLarge);
        await page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "scan.pdf", MimeType = "application/pdf", Buffer = tooLarge });
        var error = page.GetByTestId("error").Filter(new() { HasText = "too large" });
        await error.WaitForAsync();
        // The Api refuses it too, whatever a page does: a visitor of the same tenant uploading directly.
        using var browserLike = new HttpClient { BaseAddress = fixture.ApiUrl };
        using var start = new HttpRequestMessage(HttpMethod.Post, $"/v2/widget/conversations?siteKey={siteKey}") { Content = JsonContent.Create(new { }) };
        start.Headers.Add("Origin", fixture.ApiUrl.GetLeftPart(UriPartial.Authority));
        var token = (await (await browserLike.SendAsync(start, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString();
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v2/widget/attachments?siteKey={siteKey}")
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(tooLarge) { Headers = { ContentType = new("application/pdf") } }, "file", "scan.pdf" } },
        };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var refused = await browserLike.SendAsync(upload, Ct);
        var listed = await (await admin.GetAsync(new Uri($"/v2/conversations/{conversationId}/messages", UriKind.Relative), Ct)).Content
            .ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(1, uploads);
        Assert.Equal(413, (int)refused.StatusCode);
        Assert.Equal("attachment_too_large", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        var sent = listed.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("text").GetString() == "Here is the receipt");
        Assert.Equal("receipt.png", sent.GetProperty("attachments").EnumerateArray().Single().GetProperty("name").GetString());
        Assert.Equal(0, await fixture.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE tenant_id = $1 AND name = 'scan.pdf'", id));
    }

    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task KeepTheV1WidgetWorkingForTheDefaultTenant()
    {
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.ApiUrl, "/demo?widget=v1").ToString());
        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Hello from the v1 widget");
        var conversationId = await ConversationOfAsync("Hello from the v1 widget");
        // v1 has no resume: an agent_joined sent before the socket is up is gone, so the agent acts once it is.
        await page.Locator("[data-testid=connection-state][data-state=online]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        using var admin = ApiClient(fixture.App.Credentials.ServiceToken);

        (await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversationId}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversationId}/reply", new { agent = "ann", text = "Hi from v1 admin" }, Ct))
            .EnsureSuccessStatusCode();
        await Message(page, "OUTBOUND", "Hi from v1 admin").WaitForAsync();
        (await admin.PostAsync(new Uri($"/v1/admin/conversations/{conversationId}/close", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        await System(page, "conversation_closed").WaitForAsync();

        Assert.Equal(1, await System(page, "agent_joined").CountAsync());
        Assert.Equal("default", await fixture.ScalarAsync<string>(
            "SELECT t.identifier FROM conversations c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1", conversationId));
    }

    [Fact]
    public async Task StayUsableAtTwoHundredPercentZoom()
    {
        // A 1280 × 800 laptop screen at 200 % zoom: 640 × 400 CSS pixels, two device pixels each.
        await using var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 640, Height = 400 }, DeviceScaleFactor = 2 });
        var page = await OpenDemoAsync(context, Demo);
        await page.GetByTestId("launcher").ClickAsync();
        await SendAsync(page, "Zoomed in");
        var panel = await page.GetByTestId("panel").BoundingBoxAsync();
        var send = await page.GetByTestId("send").BoundingBoxAsync();

        Assert.NotNull(panel);
        Assert.NotNull(send);
        Assert.True(panel.X >= 0 && panel.Y >= 0 && panel.X + panel.Width <= 640.5 && panel.Y + panel.Height <= 400.5, $"the panel fits ({panel.X}, {panel.Y}, {panel.Width}, {panel.Height})");
        Assert.True(send.Y + send.Height <= 400.5, "the send button is on screen");
    }

    private static List<string> Serious(AxeResult result) =>
        [.. result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})")];

    // What the host page could change: the panel's box and its text's computed font.
    private static Task<string> LookAsync(IPage page) => page.EvaluateAsync<string>("""
        () => {
          const root = document.getElementById('omnichat-widget').shadowRoot;
          const panel = root.querySelector('[data-testid=panel]').getBoundingClientRect();
          const composer = root.querySelector('[data-testid=composer]');
          const style = getComputedStyle(composer);
          return [panel.width, panel.height, panel.right, panel.bottom].map(Math.round).concat([style.fontSize, style.fontFamily, style.lineHeight]).join('|');
        }
        """);

    private async Task<IPage> OpenDemoAsync(IBrowserContext context, CredentialTenant tenant)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.ApiUrl, $"/demo?siteKey={tenant.SiteKey}").ToString());
        await page.GetByTestId("launcher").WaitForAsync();
        return page;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByTestId("composer").FillAsync(text);
        await page.GetByTestId("send").ClickAsync();
        await Message(page, "INBOUND", text).WaitForAsync();
    }

    private static ILocator Message(IPage page, string direction, string text) =>
        page.Locator($"[data-testid=message][data-direction={direction}]").Filter(new() { HasText = text });

    private static ILocator System(IPage page, string kind) => page.Locator($"[data-testid=system][data-kind={kind}]");

    private async Task<Guid> ConversationOfAsync(string firstMessage)
    {
        Guid id = default;
        await Eventually.HoldsAsync(async () =>
        {
            id = await fixture.ScalarAsync<object>("SELECT conversation_id FROM messages WHERE text = $1 LIMIT 1", firstMessage) is Guid found ? found : default;
            return id != default;
        }, $"the message '{firstMessage}' is stored");
        return id;
    }

    private async Task<Guid?> CustomerOfAsync(Guid conversationId) =>
        await fixture.ScalarAsync<object>("SELECT customer_id FROM conversations WHERE id = $1", conversationId) as Guid?;

    private async Task<(int Thread, int Card)> TopicAsync(long botId, long groupId, Guid conversationId, string visitorText)
    {
        var prefix = $"#{conversationId.ToString("N")[^6..]} ";
        var thread = 0;
        var card = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var topics = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{botId}/chats/{groupId}/topics", Ct);
            thread = topics.EnumerateArray().Where(t => t.GetProperty("name").GetString()!.Contains(prefix, StringComparison.Ordinal))
                .Select(t => t.GetProperty("threadId").GetInt32()).FirstOrDefault();
            if (thread == 0)
            {
                return false;
            }
            var messages = (await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{botId}/chats/{groupId}/messages", Ct)).EnumerateArray()
                .Where(m => m.TryGetProperty("threadId", out var t) && t.ValueKind == JsonValueKind.Number && t.GetInt32() == thread).ToList();
            card = messages.Where(m => m.GetProperty("fromBot").GetBoolean() && Text(m).StartsWith(prefix, StringComparison.Ordinal))
                .Select(m => m.GetProperty("messageId").GetInt32()).FirstOrDefault();
            return card != 0 && messages.Any(m => Text(m) == visitorText);
        }, $"the topic {prefix}shows its card and the visitor's message", TimeSpan.FromSeconds(90));
        return (thread, card);
    }

    private async Task PressAsync(long botId, long groupId, int messageId, string data)
    {
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups/{groupId}/members",
            new { userId = Agent, firstName = "Grace", status = "member" }, Ct)).EnsureSuccessStatusCode();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/chats/{groupId}/callbacks", new { fromUserId = Agent, messageId, data }, Ct))
            .EnsureSuccessStatusCode();
    }

    private async Task WriteInTopicAsync(long botId, long groupId, int thread, string text) =>
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/chats/{groupId}/messages",
            new { fromUserId = Agent, firstName = "Grace", text, threadId = thread }, Ct)).EnsureSuccessStatusCode();

    private static string Text(JsonElement message) =>
        message.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";

    private HttpClient ApiClient(string key)
    {
        var client = new HttpClient { BaseAddress = fixture.ApiUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task Screenshot(IPage page, string name)
    {
        var refresh = Environment.GetEnvironmentVariable("OMNICHAT_REFRESH_SCREENSHOTS") == "1";
        var path = refresh
            ? Path.Combine(fixture.App.Options.RepositoryRoot, "docs", "images", name)
            : Path.Combine(Path.GetTempPath(), $"omnichat-{Guid.NewGuid():N}-{name}");
        await page.ScreenshotAsync(new() { Path = path });
        if (!refresh)
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex("update (\\d) of 5")]
    private static partial Regex UpdateNumber();
}
