using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>The Bot API methods beyond sending: chats and members, edits, files, and tokens the sandbox gave out.</summary>
public sealed class BotApiMethodsShould(SandboxFixture fixture) : IDisposable
{
    private const long Agent = 5_200_001;
    private const long Customer = 5_200_002;

    // A 2×1 PNG.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwHwyBDAYAYQMH+VDEGhIAAAAASUVORK5CYII=");

    private readonly Sandbox _sandbox = new(fixture);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task DescribeAGroupAndItsMembers()
    {
        await _sandbox.WithBotAsync();
        var forum = await _sandbox.GroupAsync();
        var plain = await _sandbox.GroupAsync(isForum: false, botIsAdmin: false);
        await _sandbox.ActAsync($"groups/{forum}/members", new { userId = Agent, firstName = "Grace", status = "administrator" });

        var chat = await _sandbox.ResultAsync("getChat", new { chat_id = forum });
        var plainChat = await _sandbox.ResultAsync("getChat", new { chat_id = plain });
        var botMember = await _sandbox.ResultAsync("getChatMember", new { chat_id = forum, user_id = _sandbox.BotId });
        var botInPlain = await _sandbox.ResultAsync("getChatMember", new { chat_id = plain, user_id = _sandbox.BotId });
        var agent = await _sandbox.ResultAsync("getChatMember", new { chat_id = forum, user_id = Agent });
        var agentInPlain = await _sandbox.ResultAsync("getChatMember", new { chat_id = plain, user_id = Agent });

        Assert.Equal(forum, chat.GetProperty("id").GetInt64());
        Assert.Equal("supergroup", chat.GetProperty("type").GetString());
        Assert.Equal("Support", chat.GetProperty("title").GetString());
        Assert.True(chat.GetProperty("is_forum").GetBoolean());
        Assert.False(plainChat.GetProperty("is_forum").GetBoolean());
        Assert.Equal("administrator", botMember.GetProperty("status").GetString());
        Assert.True(botMember.GetProperty("can_manage_topics").GetBoolean());
        Assert.Equal(_sandbox.BotId, botMember.GetProperty("user").GetProperty("id").GetInt64());
        Assert.Equal("member", botInPlain.GetProperty("status").GetString());
        Assert.Equal("administrator", agent.GetProperty("status").GetString());
        Assert.Equal("left", agentInPlain.GetProperty("status").GetString());
        Assert.Equal((400, "Bad Request: chat not found"), await _sandbox.ErrorAsync("getChat", new { chat_id = -1001 }));
        Assert.Equal((400, "Bad Request: the chat is not a forum"), await _sandbox.ErrorAsync("createForumTopic", new { chat_id = plain, name = "t" }));
    }

    [Fact]
    public async Task RefuseTopicsToABotThatMayNotManageThem()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync(canManageTopics: false);

        Assert.Equal((400, "Bad Request: not enough rights to create a topic"), await _sandbox.ErrorAsync("createForumTopic", new { chat_id = group, name = "t" }));
        Assert.False((await _sandbox.ResultAsync("getChatMember", new { chat_id = group, user_id = _sandbox.BotId })).GetProperty("can_manage_topics").GetBoolean());
    }

    [Fact]
    public async Task EditTheBotsMessagesAndSayWhenNothingChanged()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        var keyboard = new { inline_keyboard = new[] { new[] { new { text = "Claim", callback_data = "claim" } } } };
        var sent = await _sandbox.ResultAsync("sendMessage", new { chat_id = group, text = "card", reply_markup = keyboard });
        var id = sent.GetProperty("message_id").GetInt32();

        var edited = await _sandbox.ResultAsync("editMessageText", new { chat_id = group, message_id = id, text = "card (claimed)", reply_markup = keyboard });
        var same = await _sandbox.ErrorAsync("editMessageText", new { chat_id = group, message_id = id, text = "card (claimed)", reply_markup = keyboard });
        var cleared = await _sandbox.ResultAsync("editMessageReplyMarkup", new { chat_id = group, message_id = id });
        var missing = await _sandbox.ErrorAsync("editMessageText", new { chat_id = group, message_id = 9999, text = "x" });

        Assert.Equal("card (claimed)", edited.GetProperty("text").GetString());
        Assert.True(edited.GetProperty("edit_date").GetInt64() > 0);
        Assert.Equal(400, same.Code);
        Assert.StartsWith("Bad Request: message is not modified", same.Description, StringComparison.Ordinal);
        Assert.False(cleared.TryGetProperty("reply_markup", out _));
        Assert.Equal((400, "Bad Request: message to edit not found"), missing);
        var listed = Assert.Single((await _sandbox.GetAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/messages")).EnumerateArray());
        Assert.Equal("card (claimed)", listed.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("replyMarkup").ValueKind);
    }

    [Fact]
    public async Task KeepUploadedFilesForGetFileAndDownload()
    {
        await _sandbox.WithBotAsync();
        var content = "%PDF-1.4 invoice"u8.ToArray();
        using var form = new MultipartFormDataContent
        {
            { new StringContent(Customer.ToString(System.Globalization.CultureInfo.InvariantCulture)), "chat_id" },
            { new StringContent("your invoice"), "caption" },
        };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "document", "invoice.pdf");

        var (status, sent) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/bot{_sandbox.Token}/sendDocument", form, Sandbox.Ct));
        Assert.Equal(HttpStatusCode.OK, status);
        var document = sent.GetProperty("result").GetProperty("document");
        Assert.Equal("invoice.pdf", document.GetProperty("file_name").GetString());
        Assert.Equal(content.Length, document.GetProperty("file_size").GetInt64());
        Assert.Equal("your invoice", sent.GetProperty("result").GetProperty("caption").GetString());
        var fileId = document.GetProperty("file_id").GetString();
        var path = (await _sandbox.ResultAsync("getFile", new { file_id = fileId })).GetProperty("file_path").GetString();
        Assert.Equal(content, await _sandbox.Http.GetByteArrayAsync($"/file/bot{_sandbox.Token}/{path}", Sandbox.Ct));
        var again = await _sandbox.ResultAsync("sendDocument", new { chat_id = Customer, document = fileId });
        Assert.Equal(fileId, again.GetProperty("document").GetProperty("file_id").GetString());
        Assert.Equal((400, "Bad Request: invalid file_id"), await _sandbox.ErrorAsync("getFile", new { file_id = "nope" }));
    }

    [Fact]
    public async Task TakePhotosFromPeopleAndFromTheBot()
    {
        await _sandbox.WithBotAsync();

        await _sandbox.ActAsync($"chats/{Customer}/messages",
            new { fromUserId = Customer, text = "my screenshot", photo = new { fileName = "shot.png", contentBase64 = Convert.ToBase64String(Png) } });
        await _sandbox.ActAsync($"chats/{Customer}/messages",
            new { fromUserId = Customer, document = new { fileName = "log.txt", contentBase64 = Convert.ToBase64String("log"u8.ToArray()), mimeType = "text/plain" } });
        var updates = await _sandbox.TakeUpdatesAsync();

        var photo = updates[0].GetProperty("message");
        Assert.Equal("my screenshot", photo.GetProperty("caption").GetString());
        Assert.False(photo.TryGetProperty("text", out _));
        var largest = photo.GetProperty("photo").EnumerateArray().Last();
        Assert.Equal(2, largest.GetProperty("width").GetInt32());
        Assert.Equal(1, largest.GetProperty("height").GetInt32());
        var path = (await _sandbox.ResultAsync("getFile", new { file_id = largest.GetProperty("file_id").GetString() })).GetProperty("file_path").GetString();
        Assert.Equal(Png, await _sandbox.Http.GetByteArrayAsync($"/file/bot{_sandbox.Token}/{path}", Sandbox.Ct));
        var document = updates[1].GetProperty("message").GetProperty("document");
        Assert.Equal("text/plain", document.GetProperty("mime_type").GetString());
        Assert.False(string.IsNullOrEmpty(document.GetProperty("file_unique_id").GetString()));

        using var form = new MultipartFormDataContent { { new StringContent(Customer.ToString(System.Globalization.CultureInfo.InvariantCulture)), "chat_id" } };
        form.Add(new ByteArrayContent(Png), "photo", "reply.png");
        var (status, sent) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/bot{_sandbox.Token}/sendPhoto", form, Sandbox.Ct));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Png.Length, sent.GetProperty("result").GetProperty("photo")[0].GetProperty("file_size").GetInt64());
        using var notAnImage = new MultipartFormDataContent { { new StringContent("1"), "chat_id" } };
        notAnImage.Add(new ByteArrayContent("text"u8.ToArray()), "photo", "x.png");
        Assert.Equal(HttpStatusCode.BadRequest, (await _sandbox.Http.PostAsync($"/bot{_sandbox.Token}/sendPhoto", notAnImage, Sandbox.Ct)).StatusCode);
    }

    [Fact]
    public async Task RouteTokensThatHoldTheLettersBotAnywhere()
    {
        // Random tokens hold "bot" in any case now and then; the route must still find the method.
        await _sandbox.WithBotAsync();
        var botId = Random.Shared.NextInt64(100_000_000, 999_999_999);
        var token = $"{botId}:AAbotBOTBot{new string('x', 30)}";
        var wrong = $"{_sandbox.BotId}:AAGaveThisBot{new string('y', 30)}";

        var (status, me) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/bot{token}/getMe", null, Sandbox.Ct));
        var (refused, body) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/bot{wrong}/getMe", null, Sandbox.Ct));
        var (noPrefix, _) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/Bot{token}/getMe", null, Sandbox.Ct));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(botId, me.GetProperty("result").GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Equal(401, body.GetProperty("error_code").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, noPrefix);
    }

    [Fact]
    public async Task RefuseAWrongSecretForABotItMade()
    {
        await _sandbox.WithBotAsync();
        var wrong = $"{_sandbox.BotId}:AA{new string('x', 33)}";

        var (status, body) = await Sandbox.ReadAsync(await _sandbox.Http.GetAsync($"/bot{wrong}/getMe", Sandbox.Ct));
        var me = await _sandbox.ResultAsync("getMe");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Unauthorized", body.GetProperty("description").GetString());
        Assert.Equal("support_test_bot", me.GetProperty("username").GetString());
        Assert.Matches("^[0-9]+:[A-Za-z0-9_-]{35}$", _sandbox.Token);
    }

    [Fact]
    public async Task ServeInjectedFaultsForTheNewMethodsToo()
    {
        await _sandbox.WithBotAsync();
        await _sandbox.ActAsync("faults", new { method = "sendDocument", errorCode = 502, count = 1 });

        Assert.Equal((502, "Bad Gateway"), await _sandbox.ErrorAsync("sendDocument", new { chat_id = Customer, document = "x" }));
        Assert.Equal((400, "Bad Request: wrong file identifier/HTTP URL specified"), await _sandbox.ErrorAsync("sendDocument", new { chat_id = Customer, document = "x" }));
    }
}
