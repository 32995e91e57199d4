using System.Net;
using System.Text.Json;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>What people do through the control API reaches the bot as the updates Telegram would send.</summary>
public sealed class PeopleInTheSandboxShould(SandboxFixture fixture) : IDisposable
{
    private const long Agent = 5_100_001;
    private const long Customer = 5_100_002;
    private readonly Sandbox _sandbox = new(fixture);

    public void Dispose() => _sandbox.Dispose();

    private static object Keyboard(params string[] data) => new { inline_keyboard = new[] { data.Select(d => new { text = d, callback_data = d }).ToArray() } };

    [Fact]
    public async Task ShapeMessagesInAForumLikeTelegram()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        await _sandbox.ActAsync($"groups/{group}/members", new { userId = Agent, firstName = "Grace", lastName = "Hopper", username = "grace_h", status = "member" });
        var topic = (await _sandbox.ResultAsync("createForumTopic", new { chat_id = group, name = "#1 Ada" })).GetProperty("message_thread_id").GetInt32();

        await _sandbox.ActAsync($"chats/{group}/messages", new { fromUserId = Agent, text = "in the topic", threadId = topic });
        await _sandbox.ActAsync($"chats/{group}/messages", new { fromUserId = Agent, text = "in General" });

        var updates = await _sandbox.TakeUpdatesAsync();
        Assert.Equal(2, updates.Count);
        var inTopic = updates[0].GetProperty("message");
        Assert.Equal(topic, inTopic.GetProperty("message_thread_id").GetInt32());
        Assert.True(inTopic.GetProperty("is_topic_message").GetBoolean());
        var opening = inTopic.GetProperty("reply_to_message"); // the topic's creation message, though nobody pressed reply
        Assert.Equal(topic, opening.GetProperty("message_id").GetInt32());
        Assert.Equal("#1 Ada", opening.GetProperty("forum_topic_created").GetProperty("name").GetString());
        var chat = inTopic.GetProperty("chat");
        Assert.Equal("supergroup", chat.GetProperty("type").GetString());
        Assert.True(chat.GetProperty("is_forum").GetBoolean());
        Assert.StartsWith("-100", chat.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var from = inTopic.GetProperty("from");
        Assert.Equal(Agent, from.GetProperty("id").GetInt64());
        Assert.False(from.GetProperty("is_bot").GetBoolean());
        Assert.Equal("Grace", from.GetProperty("first_name").GetString());
        Assert.Equal("grace_h", from.GetProperty("username").GetString());
        var general = updates[1].GetProperty("message");
        Assert.False(general.TryGetProperty("message_thread_id", out _));
        Assert.False(general.TryGetProperty("is_topic_message", out _));

        var listed = (await _sandbox.GetAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/messages")).EnumerateArray().ToList();
        Assert.Equal([true, false, false], listed.Select(m => m.GetProperty("fromBot").GetBoolean()));
        Assert.Equal(Agent, listed[1].GetProperty("fromUserId").GetInt64());
        Assert.Equal("Grace Hopper", listed[1].GetProperty("fromName").GetString());
    }

    [Fact]
    public async Task WriteInAPrivateChatAsThePersonTheChatBelongsTo()
    {
        await _sandbox.WithBotAsync();

        var written = await _sandbox.ActAsync($"chats/{Customer}/messages", new { fromUserId = Customer, text = "hello there", firstName = "Ada", username = "ada_l" });
        var update = Assert.Single(await _sandbox.TakeUpdatesAsync());

        Assert.Equal(written.GetProperty("updateId").GetInt32(), update.GetProperty("update_id").GetInt32());
        var message = update.GetProperty("message");
        Assert.Equal(written.GetProperty("message").GetProperty("messageId").GetInt32(), message.GetProperty("message_id").GetInt32());
        Assert.Equal(Customer, message.GetProperty("chat").GetProperty("id").GetInt64());
        Assert.Equal("private", message.GetProperty("chat").GetProperty("type").GetString());
        Assert.Equal("Ada", message.GetProperty("chat").GetProperty("first_name").GetString());
        Assert.Equal("hello there", message.GetProperty("text").GetString());
    }

    [Fact]
    public async Task TurnAButtonPressIntoACallbackQueryAndRecordTheAnswer()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        var topic = (await _sandbox.ResultAsync("createForumTopic", new { chat_id = group, name = "#2 Bob" })).GetProperty("message_thread_id").GetInt32();
        var card = await _sandbox.ResultAsync("sendMessage", new { chat_id = group, message_thread_id = topic, text = "New conversation", reply_markup = Keyboard("claim:2", "close:2") });
        var cardId = card.GetProperty("message_id").GetInt32();

        var pressed = await _sandbox.ActAsync($"chats/{group}/callbacks", new { fromUserId = Agent, messageId = cardId, data = "claim:2" });

        var query = Assert.Single(await _sandbox.TakeUpdatesAsync()).GetProperty("callback_query");
        var id = query.GetProperty("id").GetString()!;
        Assert.Equal(pressed.GetProperty("callbackQueryId").GetString(), id);
        Assert.Equal("claim:2", query.GetProperty("data").GetString());
        Assert.Equal(Agent, query.GetProperty("from").GetProperty("id").GetInt64());
        Assert.False(string.IsNullOrEmpty(query.GetProperty("chat_instance").GetString()));
        var message = query.GetProperty("message");
        Assert.Equal(cardId, message.GetProperty("message_id").GetInt32());
        Assert.Equal(topic, message.GetProperty("message_thread_id").GetInt32());
        Assert.True(message.GetProperty("is_topic_message").GetBoolean());
        Assert.Equal("close:2", message.GetProperty("reply_markup").GetProperty("inline_keyboard")[0][1].GetProperty("callback_data").GetString());

        Assert.True((await _sandbox.ResultAsync("answerCallbackQuery", new { callback_query_id = id, text = "Claimed", show_alert = true })).GetBoolean());
        var recorded = await _sandbox.GetAsync($"/sandbox/bots/{_sandbox.BotId}/callbacks/{id}");
        Assert.True(recorded.GetProperty("answered").GetBoolean());
        Assert.Equal("Claimed", recorded.GetProperty("answerText").GetString());
        Assert.True(recorded.GetProperty("showAlert").GetBoolean());
        var (_, twice) = await _sandbox.ErrorAsync("answerCallbackQuery", new { callback_query_id = id });
        Assert.Equal("Bad Request: query is too old and response timeout expired or query ID is invalid", twice);
        var (code, unknown) = await _sandbox.ErrorAsync("answerCallbackQuery", new { callback_query_id = "12345" });
        Assert.Equal(400, code);
        Assert.Equal(twice, unknown);
    }

    [Fact]
    public async Task RefuseAPressOfAButtonTheMessageDoesNotHave()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        var card = await _sandbox.ResultAsync("sendMessage", new { chat_id = group, text = "card", reply_markup = Keyboard("claim:3") });

        var (status, problem) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/callbacks",
            new { fromUserId = Agent, messageId = card.GetProperty("message_id").GetInt32(), data = "close:3" });
        var (noMessage, _) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/callbacks",
            new { fromUserId = Agent, messageId = 9999, data = "claim:3" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("data", out _));
        Assert.Equal(HttpStatusCode.BadRequest, noMessage);
        Assert.Empty(await _sandbox.TakeUpdatesAsync());
    }

    [Fact]
    public async Task SendMyChatMemberAndRefuseMessagesWhileTheBotIsBlocked()
    {
        await _sandbox.WithBotAsync();
        await _sandbox.ActAsync($"chats/{Customer}/messages", new { fromUserId = Customer, text = "hi", firstName = "Ada" });

        var blocked = await _sandbox.ActAsync($"users/{Customer}/block");
        var (code, description) = await _sandbox.ErrorAsync("sendMessage", new { chat_id = Customer, text = "are you there?" });
        await _sandbox.ActAsync($"users/{Customer}/unblock");
        await _sandbox.ResultAsync("sendMessage", new { chat_id = Customer, text = "welcome back" });

        Assert.True(blocked.GetProperty("blocked").GetBoolean());
        Assert.Equal(403, code);
        Assert.Equal("Forbidden: bot was blocked by the user", description);
        var changes = (await _sandbox.TakeUpdatesAsync()).Skip(1).Select(u => u.GetProperty("my_chat_member")).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal("member", changes[0].GetProperty("old_chat_member").GetProperty("status").GetString());
        Assert.Equal("kicked", changes[0].GetProperty("new_chat_member").GetProperty("status").GetString());
        Assert.Equal(0, changes[0].GetProperty("new_chat_member").GetProperty("until_date").GetInt64());
        Assert.Equal(_sandbox.BotId, changes[0].GetProperty("new_chat_member").GetProperty("user").GetProperty("id").GetInt64());
        Assert.Equal(Customer, changes[0].GetProperty("from").GetProperty("id").GetInt64());
        Assert.Equal("private", changes[0].GetProperty("chat").GetProperty("type").GetString());
        Assert.Equal("member", changes[1].GetProperty("new_chat_member").GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnswerSendsIntoADeletedOrClosedTopicAsTelegramDoes()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        var deleted = (await _sandbox.ResultAsync("createForumTopic", new { chat_id = group, name = "gone" })).GetProperty("message_thread_id").GetInt32();
        var closed = (await _sandbox.ResultAsync("createForumTopic", new { chat_id = group, name = "closed" })).GetProperty("message_thread_id").GetInt32();

        using (var response = await _sandbox.Http.DeleteAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/topics/{deleted}", Sandbox.Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        await _sandbox.ActAsync($"chats/{group}/topics/{closed}/close", new { fromUserId = Agent });

        Assert.Equal((400, "Bad Request: message thread not found"), await _sandbox.ErrorAsync("sendMessage", new { chat_id = group, message_thread_id = deleted, text = "x" }));
        Assert.Equal((400, "Bad Request: TOPIC_CLOSED"), await _sandbox.ErrorAsync("sendMessage", new { chat_id = group, message_thread_id = closed, text = "x" }));
        Assert.Equal((400, "Bad Request: message thread not found"), await _sandbox.ErrorAsync("sendMessage", new { chat_id = group, message_thread_id = 1, text = "General is no thread" }));
        var topics = (await _sandbox.GetAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/topics")).EnumerateArray().ToList();
        Assert.True(topics.Single(t => t.GetProperty("threadId").GetInt32() == deleted).GetProperty("deleted").GetBoolean());
        Assert.True(topics.Single(t => t.GetProperty("threadId").GetInt32() == closed).GetProperty("closed").GetBoolean());
        var closing = Assert.Single(await _sandbox.TakeUpdatesAsync()).GetProperty("message");
        Assert.Equal(closed, closing.GetProperty("message_thread_id").GetInt32());
        Assert.Equal(JsonValueKind.Object, closing.GetProperty("forum_topic_closed").ValueKind);

        await _sandbox.ResultAsync("reopenForumTopic", new { chat_id = group, message_thread_id = closed });
        await _sandbox.ResultAsync("sendMessage", new { chat_id = group, message_thread_id = closed, text = "open again" });
    }

    [Fact]
    public async Task RefuseMalformedControlRequestsWithAProblem()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();

        var (noText, problem) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/messages", new { fromUserId = Agent });
        var (someoneElses, _) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{Customer}/messages", new { fromUserId = Agent, text = "x" });
        var (unknownGroup, notFound) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/-1009999999999/messages", new { fromUserId = Agent, text = "x" });
        var (badGroup, _) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/groups", new { title = "" });
        var (badStatus, _) = await _sandbox.PostAsync($"/sandbox/bots/{_sandbox.BotId}/groups/{group}/members", new { userId = Agent, firstName = "G", status = "owner" });
        var (badBot, _) = await _sandbox.PostAsync("/sandbox/bots", new { username = "not a bot name" });
        using var broken = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        var (notJson, notJsonProblem) = await Sandbox.ReadAsync(await _sandbox.Http.PostAsync($"/sandbox/bots/{_sandbox.BotId}/chats/{group}/messages", broken, Sandbox.Ct));

        Assert.Equal(HttpStatusCode.BadRequest, noText);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("text", out _));
        Assert.Equal(HttpStatusCode.BadRequest, someoneElses);
        Assert.Equal(HttpStatusCode.NotFound, unknownGroup);
        Assert.Equal("chat_not_found", notFound.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badGroup);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal(HttpStatusCode.BadRequest, badBot);
        Assert.Equal(HttpStatusCode.BadRequest, notJson);
        Assert.Equal("validation_failed", notJsonProblem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ListBotsAndChatsWithoutTokens()
    {
        await _sandbox.WithBotAsync();
        var group = await _sandbox.GroupAsync();
        await _sandbox.ActAsync($"chats/{Customer}/messages", new { fromUserId = Customer, text = "hi", firstName = "Ada" });

        var bots = await _sandbox.GetAsync("/sandbox/bots");
        var chats = (await _sandbox.GetAsync($"/sandbox/bots/{_sandbox.BotId}/chats")).EnumerateArray().ToList();
        var page = await _sandbox.Http.GetStringAsync("/", Sandbox.Ct);

        Assert.DoesNotContain(_sandbox.Token, bots.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(_sandbox.Token.Split(':')[1], bots.GetRawText(), StringComparison.Ordinal);
        var bot = bots.EnumerateArray().Single(b => b.GetProperty("botId").GetInt64() == _sandbox.BotId);
        Assert.Equal("support_test_bot", bot.GetProperty("username").GetString());
        Assert.Equal(2, bot.GetProperty("chats").GetArrayLength());
        Assert.Contains(chats, c => c.GetProperty("chatId").GetInt64() == group && c.GetProperty("isForum").GetBoolean());
        Assert.Contains(chats, c => c.GetProperty("chatId").GetInt64() == Customer && c.GetProperty("title").GetString() == "Ada");
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
    }
}
