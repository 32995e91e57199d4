namespace OmniChat.TelegramSandbox;

// getChat, getChatMember, answerCallbackQuery and the forum topic methods.
public sealed partial class BotApiState
{
    private static BotApiResponse GetChat(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        var info = chat.Info;
        return BotApiResponse.Success(new ChatFullInfo(info.Id, info.Type, info.Title, info.Username, info.FirstName, info.LastName,
            chat.IsGroup ? chat.IsForum : null));
    }

    private static BotApiResponse GetChatMember(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (arguments.Number("user_id") is not { } userId)
        {
            return BotApiResponse.Error(400, "Bad Request: user not found");
        }
        if (userId == bot.User.Id)
        {
            return BotApiResponse.Success(!chat.IsGroup && bot.BlockedBy.Contains(chatId)
                ? new ChatMemberShape("kicked", bot.User) { UntilDate = 0 }
                : chat.BotIsAdmin ? ChatMemberShape.Administrator(bot.User, chat.BotCanManageTopics) : new ChatMemberShape("member", bot.User));
        }
        if (!bot.People.TryGetValue(userId, out var person))
        {
            return BotApiResponse.Error(400, "Bad Request: user not found");
        }
        if (!chat.IsGroup)
        {
            return userId == chatId ? BotApiResponse.Success(new ChatMemberShape("member", person)) : BotApiResponse.Error(400, "Bad Request: user not found");
        }
        return BotApiResponse.Success(chat.Members.GetValueOrDefault(userId) switch
        {
            "administrator" => ChatMemberShape.Administrator(person, canManageTopics: true),
            "member" => new ChatMemberShape("member", person),
            _ => new ChatMemberShape("left", person),
        });
    }

    private BotApiResponse AnswerCallbackQuery(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Text("callback_query_id") is not { } id || !bot.Callbacks.TryGetValue(id, out var callback)
            || callback.AnsweredAt is not null || Now - callback.PressedAt > _options.CallbackQueryTimeout)
        {
            return BotApiResponse.Error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        }
        var text = arguments.Text("text");
        if (text?.Length > 200)
        {
            return BotApiResponse.Error(400, "Bad Request: MESSAGE_TOO_LONG");
        }
        callback.AnsweredAt = Now;
        callback.AnswerText = text;
        callback.ShowAlert = arguments.Flag("show_alert") ?? false;
        callback.AnswerUrl = arguments.Text("url");
        return BotApiResponse.Success(true);
    }

    private BotApiResponse CreateForumTopic(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId)
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (chatId > 0)
        {
            return BotApiResponse.Error(400, "Bad Request: the chat is not a forum");
        }
        var name = arguments.Text("name");
        if (name is null || !ValidTopicName(name))
        {
            return BotApiResponse.Error(400, "Bad Request: TOPIC_NAME_INVALID");
        }
        var chat = bot.Chat(chatId);
        if (!chat.IsForum)
        {
            return BotApiResponse.Error(400, "Bad Request: the chat is not a forum");
        }
        if (!chat.BotIsAdmin || !chat.BotCanManageTopics)
        {
            return BotApiResponse.Error(400, "Bad Request: not enough rights to create a topic");
        }
        if (Throttled(bot, chatId) is { } refused)
        {
            return refused;
        }
        // A topic's id is the id of the service message that opened it, as in Telegram.
        var iconColor = arguments.SmallNumber("icon_color") ?? 0x6FB9F0;
        var id = chat.NextMessageId();
        var opening = new BotMessage(id, UnixNow, chat.Info, bot.User)
        {
            MessageThreadId = id,
            IsTopicMessage = true,
            ForumTopicCreated = new ForumTopicCreated(name, iconColor),
        };
        chat.Add(new StoredMessage(opening, Silent: true, Now, null, "forum_topic_created"));
        chat.Topics[id] = new TopicInfo(id, name, Closed: false, Deleted: false);
        return BotApiResponse.Success(new ForumTopic(id, name, iconColor));
    }

    private static BotApiResponse RenameTopic(BotRecord bot, BotApiArguments arguments) => arguments.Text("name") switch
    {
        null => EditTopic(bot, arguments, t => t, iconOnly: true),
        var name when !ValidTopicName(name) => BotApiResponse.Error(400, "Bad Request: TOPIC_NAME_INVALID"),
        var name => EditTopic(bot, arguments, t => t with { Name = name }),
    };

    private static bool ValidTopicName(string name) => !string.IsNullOrWhiteSpace(name) && name.Length <= 128;

    // Telegram answers TOPIC_ID_INVALID for a topic that is gone (the send methods say "message thread not found"), and
    // TOPIC_NOT_MODIFIED when the change changes nothing (closing a closed topic, the same name).
    private static BotApiResponse EditTopic(BotRecord bot, BotApiArguments arguments, Func<TopicInfo, TopicInfo> change, bool iconOnly = false)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (arguments.SmallNumber("message_thread_id") is not { } threadId || !chat.Topics.TryGetValue(threadId, out var topic) || topic.Deleted)
        {
            return BotApiResponse.Error(400, "Bad Request: TOPIC_ID_INVALID");
        }
        var changed = change(topic);
        if (changed == topic && !iconOnly)
        {
            return BotApiResponse.Error(400, "Bad Request: TOPIC_NOT_MODIFIED");
        }
        chat.Topics[threadId] = changed;
        return BotApiResponse.Success(true);
    }
}
