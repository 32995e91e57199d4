using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>
/// The agent inbox and the conversation view, against the whole system: visitors write through the frozen v1 API (which
/// serves the default tenant), agents answer in the portal.
/// </summary>
public sealed class InboxShould(PortalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShowANewConversationLiveAndLetTheAgentClaimAndAnswerIt()
    {
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Default.Admin, "/admin/inbox");
        await Assertions.Expect(page.GetByTestId("live")).ToBeVisibleAsync();

        // A visitor starts a conversation through the v1 API and writes, while the inbox stays open (no reload).
        var name = $"Live journey {Guid.NewGuid():N}"[..24];
        var visitor = await StartConversationAsync(name);
        await SendAsVisitorAsync(visitor, "Hello, where is my parcel?");

        var row = page.GetByTestId("inbox-row").Filter(new() { HasText = name });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.GetByTestId("unanswered-marker")).ToBeVisibleAsync();
        await Assertions.Expect(row.GetByTestId("unread-count")).ToHaveTextAsync("1");
        await Assertions.Expect(row.GetByTestId("inbox-row-preview")).ToContainTextAsync("Hello, where is my parcel?");

        // Open it: it is read; claim; reply.
        await row.ClickAsync();
        await page.WaitForURLAsync($"**/admin/conversations/{visitor.Id}");
        await Assertions.Expect(page.GetByTestId("message").Filter(new() { HasText = "Hello, where is my parcel?" })).ToBeVisibleAsync();
        await page.GetByTestId("claim").ClickAsync();
        await Assertions.Expect(page.GetByTestId("release")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("conversation-status")).ToContainTextAsync("Claimed by");
        await page.GetByTestId("reply-text").Locator("textarea").FillAsync("It left our warehouse today.");
        await page.GetByTestId("send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message").Filter(new() { HasText = "It left our warehouse today." })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("unanswered-marker")).ToHaveCountAsync(0);

        // The visitor receives the reply over the API.
        var messages = await VisitorMessagesAsync(visitor);
        Assert.Contains(messages, m => m.Direction == "OUTBOUND" && m.Text == "It left our warehouse today." && m.Agent is { Length: > 0 });

        // Back in the inbox: read, answered.
        await page.GotoAsync("/admin/inbox");
        row = page.GetByTestId("inbox-row").Filter(new() { HasText = name });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.GetByTestId("unread-count")).ToHaveCountAsync(0);
        await Assertions.Expect(row.GetByTestId("unanswered-marker")).ToHaveCountAsync(0);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-unread", "0");

        // The visitor writes again: the open inbox shows it unread and unanswered, live.
        await SendAsVisitorAsync(visitor, "Thanks! And the tracking number?");
        await Assertions.Expect(row.GetByTestId("unread-count")).ToHaveTextAsync("1");
        await Assertions.Expect(row.GetByTestId("unanswered-marker")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ShowAnotherTenantsConversationAsNotFoundWithNoneOfItsText()
    {
        var secret = $"Default tenant secret {Guid.NewGuid():N}";
        var other = await StartConversationAsync("Other tenant");
        await SendAsVisitorAsync(other, secret);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/inbox");

        var response = await page.GotoAsync($"/admin/conversations/{other.Id}");

        Assert.Equal(404, response?.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "not found", Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Other tenant", await page.ContentAsync(), StringComparison.Ordinal);
        await page.GotoAsync($"/admin/inbox?q={Uri.EscapeDataString(secret)}");
        await Assertions.Expect(page.GetByTestId("inbox-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task FilterBySearchAndTabAndKeepThePageOrder()
    {
        var name = $"Search {Guid.NewGuid():N}"[..20];
        var visitor = await StartConversationAsync(name);
        await SendAsVisitorAsync(visitor, "A question about invoices");
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Default.Admin, "/admin/inbox");

        await Assertions.Expect(page.GetByTestId("live")).ToBeVisibleAsync();
        await page.GetByTestId("inbox-search").Locator("input").FillAsync(name);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]q="));
        await Assertions.Expect(page.GetByTestId("inbox-row")).ToHaveCountAsync(1);
        await page.GetByTestId("filter-closed").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]filter=closed"));
        await Assertions.Expect(page.GetByTestId("inbox-empty")).ToBeVisibleAsync();
        await page.GetByTestId("filter-unanswered").ClickAsync();
        await Assertions.Expect(page.GetByTestId("inbox-row").Filter(new() { HasText = name })).ToBeVisibleAsync();
        Assert.Equal("true", await page.GetByTestId("filter-unanswered").GetAttributeAsync("aria-pressed"));
    }

    [Fact]
    public async Task PassAnAccessibilityScanAndFitAPhone()
    {
        var visitor = await StartConversationAsync("Accessibility check");
        await SendAsVisitorAsync(visitor, "Can you read this screen?");

        await using var anonymous = await fixture.NewPersonAsync();
        var signInPage = await anonymous.NewPageAsync();
        await signInPage.GotoAsync("/admin");
        await Assertions.Expect(signInPage.GetByTestId("email")).ToBeVisibleAsync();
        var signIn = await signInPage.RunAxe();

        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Default.Admin, "/admin/inbox");
        await Assertions.Expect(page.GetByTestId("inbox-row").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("live")).ToBeVisibleAsync();
        var inbox = await page.RunAxe();
        await Screenshot(page, "portal-inbox.png");

        await page.GotoAsync($"/admin/conversations/{visitor.Id}");
        await Assertions.Expect(page.GetByTestId("message").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("template-picker")).ToBeVisibleAsync();
        var conversation = await page.RunAxe();
        await Screenshot(page, "portal-conversation.png");

        await using var phone = await fixture.NewPersonAsync(width: 375, height: 740);
        var small = await phone.NewPageAsync();
        await Portal.SignInAsync(small, fixture.Default.Admin, "/admin/inbox");
        await Assertions.Expect(small.GetByTestId("inbox-row").First).ToBeVisibleAsync();
        var width = await small.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth");
        await small.GotoAsync($"/admin/conversations/{visitor.Id}");
        await Assertions.Expect(small.GetByTestId("message").First).ToBeVisibleAsync();
        var conversationWidth = await small.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth");

        Assert.True(Serious(signIn).Length == 0, string.Join("\n", Serious(signIn)));
        Assert.True(Serious(inbox).Length == 0, string.Join("\n", Serious(inbox)));
        Assert.True(Serious(conversation).Length == 0, string.Join("\n", Serious(conversation)));
        Assert.True(width <= 375, $"the inbox scrolls sideways on a phone ({width} px wide)");
        Assert.True(conversationWidth <= 375, $"the conversation scrolls sideways on a phone ({conversationWidth} px wide)");
    }

    private static string[] Serious(AxeResult result) =>
        [.. result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})")];

    private sealed record Visitor(Guid Id, string Token);

    private sealed record VisitorMessage(string Direction, string Text, string? Agent);

    private HttpClient Api(string bearer)
    {
        var client = new HttpClient { BaseAddress = fixture.ApiUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    // The frozen v1 widget API: a visitor of the default tenant, with its conversation token.
    private async Task<Visitor> StartConversationAsync(string name)
    {
        using var api = new HttpClient { BaseAddress = fixture.ApiUrl };
        using var response = await api.PostAsJsonAsync("/v1/conversations", new { name, locale = "en" }, Ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return new Visitor(body.RootElement.GetProperty("conversationId").GetGuid(), body.RootElement.GetProperty("token").GetString()!);
    }

    private async Task SendAsVisitorAsync(Visitor visitor, string text)
    {
        using var api = Api(visitor.Token);
        using var response = await api.PostAsJsonAsync($"/v1/conversations/{visitor.Id}/messages", new { text }, Ct);
        response.EnsureSuccessStatusCode();
    }

    private async Task<List<VisitorMessage>> VisitorMessagesAsync(Visitor visitor)
    {
        using var api = Api(visitor.Token);
        using var body = JsonDocument.Parse(await api.GetStringAsync($"/v1/conversations/{visitor.Id}/messages", Ct));
        return [.. body.RootElement.GetProperty("messages").EnumerateArray().Select(m => new VisitorMessage(
            m.GetProperty("direction").GetString()!, m.GetProperty("text").GetString()!,
            m.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.String ? agent.GetString() : null))];
    }

    private async Task Screenshot(IPage page, string name)
    {
        var refresh = Environment.GetEnvironmentVariable("OMNICHAT_REFRESH_SCREENSHOTS") == "1";
        var path = refresh
            ? Path.Combine(fixture.App.Options.RepositoryRoot, "docs", "images", name)
            : Path.Combine(Path.GetTempPath(), $"omnichat-{Guid.NewGuid():N}-{name}");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        if (!refresh)
        {
            File.Delete(path);
        }
    }
}
