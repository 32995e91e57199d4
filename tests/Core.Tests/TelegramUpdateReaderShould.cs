using System.Text.Json;
using OmniChat.Core.Channels.Telegram.Inbound;
using Telegram.Bot.Types.Enums;

namespace OmniChat.Core.Tests;

/// <summary>
/// Telegram updates in the shapes Telegram sends (our own fixtures, modelled on captured real bodies) read into what
/// OmniChat does with them, traps included: a reply thread in a group that is not a forum is no topic, service messages
/// and the bot's own messages are nobody's words, a button press on a message Telegram no longer shows has no chat.
/// </summary>
public sealed class TelegramUpdateReaderShould
{
    private const long BotId = 5_550_001;
    private const string BotUsername = "acme_support_bot";
    private const long Group = -1_004_242_424_242;

    [Fact]
    public void ReadAPrivateTextMessage()
    {
        var action = Read("""
            {"update_id": 10, "message": {"message_id": 31, "from": {"id": 4242, "is_bot": false, "first_name": "Nora", "last_name": "Lind",
             "username": "noral", "language_code": "sv"}, "chat": {"id": 4242, "first_name": "Nora", "type": "private"}, "date": 1700000000,
             "text": "hello there", "link_preview_options": {"is_disabled": true}}}
            """);

        var message = Assert.IsType<InboundMessage>(action);
        Assert.True(message.IsPrivate);
        Assert.Null(message.TopicId);
        Assert.Equal((4242L, 31, "hello there"), (message.ChatId, message.MessageId, message.Text));
        Assert.Equal(("Nora Lind", "sv"), (message.From.DisplayName, message.From.LanguageCode));
        Assert.Null(message.Command);
        Assert.False(message.Edited);
    }

    [Fact]
    public void NotTakeAReplyThreadInAGroupThatIsNotAForumForATopic()
    {
        var action = Read("""
            {"update_id": 11, "message": {"message_id": 900, "message_thread_id": 899, "from": {"id": 7, "is_bot": false, "first_name": "Ola"},
             "chat": {"id": -1004242424242, "title": "Chat", "type": "supergroup"}, "date": 1700000000, "text": "/report",
             "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
             "reply_to_message": {"message_id": 899, "date": 1699999000, "chat": {"id": -1004242424242, "type": "supergroup"},
                                  "from": {"id": 8, "is_bot": false, "first_name": "Per"}, "text": "earlier"}}}
            """);

        var message = Assert.IsType<InboundMessage>(action);
        Assert.Null(message.TopicId);
        Assert.Equal("report", message.Command?.Name);
    }

    [Fact]
    public void ReadATopicMessageWhoseReplyIsTheTopicsCreation()
    {
        var action = Read("""
            {"update_id": 12, "message": {"message_id": 5, "message_thread_id": 4, "is_topic_message": true,
             "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "chat": {"id": -1004242424242, "title": "Support", "type": "supergroup", "is_forum": true},
             "date": 1700000000, "text": "On it",
             "reply_to_message": {"message_id": 4, "message_thread_id": 4, "is_topic_message": true, "date": 1699999999,
                                  "chat": {"id": -1004242424242, "type": "supergroup", "is_forum": true}, "from": {"id": 7, "is_bot": false, "first_name": "Ola"},
                                  "forum_topic_created": {"name": "#a1b2c3 Ann", "icon_color": 7322096}}}}
            """);

        var message = Assert.IsType<InboundMessage>(action);
        Assert.False(message.IsPrivate);
        Assert.Equal((Group, 4, "On it"), (message.ChatId, message.TopicId, message.Text));
    }

    [Fact]
    public void IgnoreServiceMessagesAndBotsOwnMessages()
    {
        var created = Read("""
            {"update_id": 13, "message": {"message_id": 4, "message_thread_id": 4, "is_topic_message": true,
             "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "chat": {"id": -1004242424242, "type": "supergroup", "is_forum": true},
             "date": 1700000000, "forum_topic_created": {"name": "Questions", "icon_color": 7322096}}}
            """);
        var ours = Read("""
            {"update_id": 14, "message": {"message_id": 6, "message_thread_id": 4, "is_topic_message": true,
             "from": {"id": 5550001, "is_bot": true, "first_name": "Acme", "username": "acme_support_bot"},
             "chat": {"id": -1004242424242, "type": "supergroup", "is_forum": true}, "date": 1700000000, "text": "Hello"}}
            """);

        Assert.IsType<IgnoredUpdate>(created);
        Assert.IsType<IgnoredUpdate>(ours);
    }

    [Fact]
    public void KeepAPhotosLargestSizeAsAFileReferenceWithItsCaption()
    {
        var action = Read("""
            {"update_id": 15, "message": {"message_id": 40, "from": {"id": 4242, "is_bot": false, "first_name": "Nora"},
             "chat": {"id": 4242, "type": "private", "first_name": "Nora"}, "date": 1700000000, "caption": "the broken part",
             "caption_entities": [{"type": "bold", "offset": 0, "length": 3}],
             "photo": [{"file_id": "small", "file_unique_id": "s1", "width": 90, "height": 90, "file_size": 1200},
                       {"file_id": "large", "file_unique_id": "l1", "width": 1280, "height": 1280, "file_size": 160000}]}}
            """);

        var message = Assert.IsType<InboundMessage>(action);
        Assert.Equal("the broken part", message.Text);
        var file = Assert.Single(message.Files);
        Assert.Equal(("photo", "large", "l1", 160000L), (file.Kind, file.FileId, file.FileUniqueId, file.Size));
    }

    [Fact]
    public void ReadAnEditAsAnEdit()
    {
        var action = Read("""
            {"update_id": 16, "edited_message": {"message_id": 31, "from": {"id": 4242, "is_bot": false, "first_name": "Nora"},
             "chat": {"id": 4242, "type": "private", "first_name": "Nora"}, "date": 1700000000, "edit_date": 1700000100, "text": "hello again"}}
            """);

        var message = Assert.IsType<InboundMessage>(action);
        Assert.True(message.Edited);
        Assert.Equal((31, "hello again"), (message.MessageId, message.Text));
    }

    [Fact]
    public void ReadAButtonPressWithAndWithoutItsMessage()
    {
        var withMessage = Read("""
            {"update_id": 17, "callback_query": {"id": "q1", "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "chat_instance": "ci",
             "data": "claim:0192f3a5b6c77d8e9f00112233445566",
             "message": {"message_id": 5, "message_thread_id": 4, "is_topic_message": true, "date": 1700000000,
                         "chat": {"id": -1004242424242, "type": "supergroup", "is_forum": true}, "from": {"id": 5550001, "is_bot": true, "first_name": "Acme"},
                         "text": "#566 Ann"}}}
            """);
        var inline = Read("""
            {"update_id": 18, "callback_query": {"id": "q2", "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "chat_instance": "ci",
             "inline_message_id": "AAA", "data": "close:0192f3a5b6c77d8e9f00112233445566"}}
            """);
        var tooOld = Read("""
            {"update_id": 19, "callback_query": {"id": "q3", "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "chat_instance": "ci",
             "data": "claim:0192f3a5b6c77d8e9f00112233445566",
             "message": {"message_id": 5, "date": 0, "chat": {"id": -1004242424242, "type": "supergroup", "is_forum": true}}}}
            """);

        var pressed = Assert.IsType<ButtonPressed>(withMessage);
        Assert.Equal(("q1", Group, 5, 7L), (pressed.CallbackQueryId, pressed.ChatId, pressed.MessageId, pressed.From.Id));
        Assert.Null(Assert.IsType<ButtonPressed>(inline).ChatId);
        Assert.Null(Assert.IsType<ButtonPressed>(tooOld).ChatId);
    }

    [Fact]
    public void ReadABlockedBotInAPrivateChat()
    {
        var action = Read("""
            {"update_id": 20, "my_chat_member": {"chat": {"id": 4242, "first_name": "Nora", "type": "private"},
             "from": {"id": 4242, "is_bot": false, "first_name": "Nora"}, "date": 1700000000,
             "old_chat_member": {"user": {"id": 5550001, "is_bot": true, "first_name": "Acme"}, "status": "member"},
             "new_chat_member": {"user": {"id": 5550001, "is_bot": true, "first_name": "Acme"}, "status": "kicked", "until_date": 0}}}
            """);

        var change = Assert.IsType<BotMembershipChanged>(action);
        Assert.Equal((4242L, true, ChatMemberStatus.Kicked), (change.ChatId, change.IsPrivate, change.NewStatus));
    }

    [Theory]
    [InlineData("""{"update_id": 21, "chat_member": {"chat": {"id": -1001, "type": "supergroup"}, "from": {"id": 7, "is_bot": false, "first_name": "Ola"}, "date": 1700000000, "old_chat_member": {"user": {"id": 9, "is_bot": false, "first_name": "Kai"}, "status": "left"}, "new_chat_member": {"user": {"id": 9, "is_bot": false, "first_name": "Kai"}, "status": "member"}}}""")]
    [InlineData("""{"update_id": 22, "something_new": {"id": 1}}""")]
    [InlineData("""{"update_id": 23, "message_reaction": {"chat": {"id": -1001, "type": "supergroup"}, "message_id": 5, "date": 1700000000, "old_reaction": [], "new_reaction": []}}""")]
    [InlineData("""{"update_id": 24, "channel_post": {"message_id": 1, "chat": {"id": -1002, "type": "channel", "title": "News"}, "date": 1700000000, "text": "hi"}}""")]
    public void IgnoreWhatOmniChatDoesNotUse(string update) => Assert.IsType<IgnoredUpdate>(Read(update));

    [Fact]
    public void ThrowOnABodyItCannotRead() =>
        Assert.ThrowsAny<JsonException>(() => Read("""{"update_id": 25, "message": {"message_id": "five", "chat": 7}}"""));

    [Theory]
    [InlineData("/claim", "claim", "")]
    [InlineData("/Claim@acme_support_bot", "claim", "")]
    [InlineData("/rename  Refund for order 7 ", "rename", "Refund for order 7")]
    [InlineData("/note@ACME_SUPPORT_BOT welcome", "note", "welcome")]
    [InlineData("/claim@other_bot", null, null)]
    [InlineData("claim", null, null)]
    [InlineData("/ hello", null, null)]
    public void ReadCommandsAddressedToThisBot(string text, string? name, string? arguments)
    {
        var command = TelegramUpdateReader.ReadCommand(text, BotUsername);

        Assert.Equal(name, command?.Name);
        Assert.Equal(arguments, command?.Arguments);
    }

    private static InboundAction Read(string json) => TelegramUpdateReader.Read(json, BotId, BotUsername);
}
