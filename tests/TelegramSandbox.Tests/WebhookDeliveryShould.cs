using System.Text.Json;
using OmniChat.TestKit;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>The sandbox delivers updates to a bot's webhook as Telegram does: in order, with the secret, retrying refusals.</summary>
public sealed class WebhookDeliveryShould(SandboxFixture fixture) : IDisposable
{
    private const long Person = 424242;
    private static readonly string[] OnlyMyChatMember = ["my_chat_member"];
    private readonly Sandbox _sandbox = new(fixture);

    public void Dispose() => _sandbox.Dispose();

    private Task<JsonElement> WriteAsync(string text) => _sandbox.ActAsync($"chats/{Person}/messages", new { fromUserId = Person, text, firstName = "Ada" });

    [Fact]
    public async Task PostUpdatesOneAtATimeInOrderWithTheSecretToken()
    {
        await _sandbox.WithBotAsync();
        await using var receiver = await UpdateReceiver.StartAsync();
        await _sandbox.ResultAsync("setWebhook", new { url = receiver.Url.ToString(), secret_token = "s3cret_Token-1" });

        var written = new List<int>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            written.Add((await WriteAsync(text)).GetProperty("updateId").GetInt32());
        }

        await Eventually.HoldsAsync(() => receiver.Received.Count >= 3, "three updates delivered");
        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.Equal("s3cret_Token-1", r.SecretToken));
        Assert.Equal(written, received.Select(r => r.UpdateId));
        Assert.Equal([written[0], written[0] + 1, written[0] + 2], written);
        Assert.Equal(["one", "two", "three"], received.Select(r => r.Update.GetProperty("message").GetProperty("text").GetString()));
        var info = await _sandbox.ResultAsync("getWebhookInfo");
        Assert.Equal(receiver.Url.ToString(), info.GetProperty("url").GetString());
        Assert.Equal(0, info.GetProperty("pending_update_count").GetInt32());
        Assert.False(info.GetProperty("has_custom_certificate").GetBoolean());
    }

    [Fact]
    public async Task KeepARefusedUpdatePendingAndDeliverItWhenTheWebhookRecovers()
    {
        await _sandbox.WithBotAsync();
        await using var receiver = await UpdateReceiver.StartAsync();
        var answer = 401;
        receiver.Answer = () => answer;
        await _sandbox.ResultAsync("setWebhook", new { url = receiver.Url.ToString() });

        var first = (await WriteAsync("refused at first")).GetProperty("updateId").GetInt32();
        await WriteAsync("queued behind it");

        await Eventually.HoldsAsync(() => receiver.Received.Count(r => r.UpdateId == first) >= 2, "the refused update tried again");
        var info = await _sandbox.ResultAsync("getWebhookInfo");
        Assert.Equal(2, info.GetProperty("pending_update_count").GetInt32());
        Assert.Equal("Wrong response from the webhook: 401 Unauthorized", info.GetProperty("last_error_message").GetString());
        Assert.True(info.GetProperty("last_error_date").GetInt64() > 0);
        Assert.All(receiver.Received, r => Assert.Equal(first, r.UpdateId)); // the second waits for the first

        answer = 200;
        await Eventually.HoldsAsync(async () => (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("pending_update_count").GetInt32() == 0,
            "every update delivered once the webhook answers 200");
        var accepted = receiver.Received.Where(r => r.AnsweredWith == 200).Select(r => r.UpdateId).ToList();
        Assert.Equal([first, first + 1], accepted);
    }

    [Fact]
    public async Task SayConnectionRefusedWhenNothingListens()
    {
        await _sandbox.WithBotAsync();
        int port;
        await using (var closed = await UpdateReceiver.StartAsync())
        {
            port = closed.Url.Port;
        }
        await _sandbox.ResultAsync("setWebhook", new { url = $"http://127.0.0.1:{port}/telegram/webhook" });

        await WriteAsync("nobody home");

        await Eventually.HoldsAsync(async () => (await _sandbox.ResultAsync("getWebhookInfo")).TryGetProperty("last_error_message", out var error)
            && error.GetString() == "Connection refused", "the webhook's error is Connection refused");
        Assert.Equal(1, (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("pending_update_count").GetInt32());
    }

    [Fact]
    public async Task QueueUpdatesWithoutAWebhookAndDropThemWhenAsked()
    {
        await _sandbox.WithBotAsync();
        await WriteAsync("kept");
        await WriteAsync("kept too");

        Assert.Equal(2, (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("pending_update_count").GetInt32());
        Assert.Equal("", (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("url").GetString());
        var updates = (await _sandbox.ResultAsync("getUpdates")).EnumerateArray().ToList();
        Assert.Equal(["kept", "kept too"], updates.Select(u => u.GetProperty("message").GetProperty("text").GetString()));

        await using var receiver = await UpdateReceiver.StartAsync();
        await _sandbox.ResultAsync("setWebhook", new { url = receiver.Url.ToString(), drop_pending_updates = true });
        Assert.Equal(0, (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("pending_update_count").GetInt32());
        var (code, description) = await _sandbox.ErrorAsync("getUpdates");
        Assert.Equal(409, code);
        Assert.StartsWith("Conflict: can't use getUpdates method while webhook is active", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaveOutUpdateTypesTheBotDidNotAllow()
    {
        await _sandbox.WithBotAsync();
        await using var receiver = await UpdateReceiver.StartAsync();
        await _sandbox.ResultAsync("setWebhook", new { url = receiver.Url.ToString(), allowed_updates = OnlyMyChatMember });

        var written = await WriteAsync("not wanted");
        var blocked = await _sandbox.ActAsync($"users/{Person}/block");

        Assert.Equal(JsonValueKind.Null, written.GetProperty("updateId").ValueKind);
        await Eventually.HoldsAsync(() => !receiver.Received.IsEmpty, "the my_chat_member update delivered");
        Assert.Equal(blocked.GetProperty("updateId").GetInt32(), Assert.Single(receiver.Received).UpdateId);
        Assert.Equal(["my_chat_member"], (await _sandbox.ResultAsync("getWebhookInfo")).GetProperty("allowed_updates").EnumerateArray().Select(e => e.GetString()));
    }
}
