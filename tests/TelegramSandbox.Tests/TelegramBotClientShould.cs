using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>Telegram.Bot, as the product uses it, reads every shape the sandbox answers with.</summary>
public sealed class TelegramBotClientShould(SandboxFixture fixture) : IDisposable
{
    private const long Customer = 5_300_002;
    private readonly Sandbox _sandbox = new(fixture);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task ReadChatsMembersUpdatesAndFilesFromTheSandbox()
    {
        await _sandbox.WithBotAsync();
        var ct = Sandbox.Ct;
        var client = new TelegramBotClient(new TelegramBotClientOptions(_sandbox.Token, _sandbox.Http.BaseAddress!.ToString().TrimEnd('/')));
        var group = await _sandbox.GroupAsync();
        var topic = await client.CreateForumTopic(group, "#7 Ada", cancellationToken: ct);
        var card = await client.SendMessage(group, "card", messageThreadId: topic.MessageThreadId,
            replyMarkup: new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("Claim", "claim:7")), cancellationToken: ct);
        await _sandbox.ActAsync($"chats/{group}/messages", new { fromUserId = 42, text = "agent here", threadId = topic.MessageThreadId });
        await _sandbox.ActAsync($"chats/{group}/callbacks", new { fromUserId = 42, messageId = card.MessageId, data = "claim:7" });
        await _sandbox.ActAsync($"chats/{Customer}/messages", new { fromUserId = Customer, text = "hi", firstName = "Ada" });
        await _sandbox.ActAsync($"users/{Customer}/block");

        var chat = await client.GetChat(group, ct);
        var member = await client.GetChatMember(group, _sandbox.BotId, ct);
        var updates = await client.GetUpdates(cancellationToken: ct);
        await client.AnswerCallbackQuery(updates[1].CallbackQuery!.Id, "Claimed", cancellationToken: ct);
        var edited = await client.EditMessageText(group, card.MessageId, "card (claimed)", cancellationToken: ct);
        var info = await client.GetWebhookInfo(ct);
        await using var upload = new MemoryStream("hello"u8.ToArray());
        await _sandbox.ActAsync($"users/{Customer}/unblock");
        var document = await client.SendDocument(Customer, InputFile.FromStream(upload, "hello.txt"), cancellationToken: ct);
        var file = await client.GetFile(document.Document!.FileId, ct);
        await using var downloaded = new MemoryStream();
        await client.DownloadFile(file, downloaded, ct);

        Assert.True(chat.IsForum);
        Assert.Equal(ChatType.Supergroup, chat.Type);
        Assert.True(Assert.IsType<ChatMemberAdministrator>(member).CanManageTopics);
        Assert.Equal([UpdateType.Message, UpdateType.CallbackQuery, UpdateType.Message, UpdateType.MyChatMember], updates.Select(u => u.Type));
        Assert.True(updates[0].Message!.IsTopicMessage);
        Assert.Equal(topic.MessageThreadId, updates[0].Message!.MessageThreadId);
        Assert.Equal("claim:7", updates[1].CallbackQuery!.Data);
        Assert.Equal(ChatMemberStatus.Kicked, updates[3].MyChatMember!.NewChatMember.Status);
        Assert.Equal("card (claimed)", edited.Text);
        Assert.Equal(4, info.PendingUpdateCount);
        Assert.Equal("hello"u8.ToArray(), downloaded.ToArray());
    }
}

