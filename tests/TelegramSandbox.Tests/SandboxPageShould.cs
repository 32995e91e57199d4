using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>
/// The sandbox's web page as a person uses it, in a real chromium: open a bot's support group at a topic, write in it as
/// a group member, press the bot's inline button. The bot gets both as Telegram updates. The README's screenshot comes
/// from here (<c>OMNICHAT_REFRESH_SCREENSHOTS=1</c> writes it to <c>docs/images/</c>).
/// </summary>
public sealed class SandboxPageShould(SandboxFixture fixture) : IDisposable
{
    private const long Agent = 5_300_001;

    private readonly Sandbox _sandbox = new(fixture);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task LetAPersonWriteInATopicAndPressTheBotsButton()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        await _sandbox.ActAsync($"groups/{group}/members", new { userId = Agent, firstName = "Grace", status = "administrator" });
        var topic = await _sandbox.ResultAsync("createForumTopic", new { chat_id = group, name = "#a1b2c3 Ann" });
        var thread = topic.GetProperty("message_thread_id").GetInt32();
        var card = await _sandbox.ResultAsync("sendMessage", new
        {
            chat_id = group,
            message_thread_id = thread,
            text = "#a1b2c3 Ann · new conversation from the website",
            reply_markup = new { inline_keyboard = new[] { new[] { new { text = "Claim", callback_data = "claim:a1b2c3" }, new { text = "Close", callback_data = "close:a1b2c3" } } } },
        });
        await _sandbox.TakeUpdatesAsync(); // what came before the person acts

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"], Headless = true,
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 640 } });
        await page.GotoAsync(new Uri(fixture.SandboxUrl, string.Create(CultureInfo.InvariantCulture, $"/#{_sandbox.BotId}/{group}/{thread}")).ToString());
        var messages = page.Locator("#messages");
        await messages.GetByText("#a1b2c3 Ann · new conversation from the website").WaitForAsync();
        await page.Locator("#as-user").SelectOptionAsync(Agent.ToString(CultureInfo.InvariantCulture));
        await page.Locator("#text").FillAsync("I'll take this one");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await messages.GetByText("I'll take this one").WaitForAsync();
        await messages.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();

        var updates = new List<JsonElement>();
        await OmniChat.TestKit.Eventually.HoldsAsync(async () =>
        {
            updates.AddRange(await _sandbox.TakeUpdatesAsync());
            return updates.Any(u => u.TryGetProperty("callback_query", out _));
        }, "the button press reaches the bot");
        await Screenshot(page);

        var written = Assert.Single(updates, u => u.TryGetProperty("message", out _)).GetProperty("message");
        Assert.Equal("I'll take this one", written.GetProperty("text").GetString());
        Assert.Equal(Agent, written.GetProperty("from").GetProperty("id").GetInt64());
        Assert.Equal(thread, written.GetProperty("message_thread_id").GetInt32());
        Assert.True(written.GetProperty("is_topic_message").GetBoolean());
        var pressed = Assert.Single(updates, u => u.TryGetProperty("callback_query", out _)).GetProperty("callback_query");
        Assert.Equal("claim:a1b2c3", pressed.GetProperty("data").GetString());
        Assert.Equal(Agent, pressed.GetProperty("from").GetProperty("id").GetInt64());
        Assert.Equal(card.GetProperty("message_id").GetInt32(), pressed.GetProperty("message").GetProperty("message_id").GetInt32());
    }

    private async Task Screenshot(IPage page)
    {
        var refresh = Environment.GetEnvironmentVariable("OMNICHAT_REFRESH_SCREENSHOTS") == "1";
        var path = refresh
            ? Path.Combine(fixture.App.Options.RepositoryRoot, "docs", "images", "telegram-sandbox.png")
            : Path.Combine(Path.GetTempPath(), $"omnichat-telegram-sandbox-{Guid.NewGuid():N}.png");
        await page.ScreenshotAsync(new() { Path = path });
        if (!refresh)
        {
            File.Delete(path);
        }
    }
}
