using System.Text.Json;

namespace OmniChat.TelegramSandbox;

// What people do through the control API (/sandbox/...): make bots and groups, join, write, edit, press buttons, block
// the bot, close or delete topics. Each action keeps what Telegram would keep and queues the update the bot would get.
// Requests arrive validated for shape (SandboxRequests.cs); what depends on the state is checked here and refused with
// a SandboxProblemException.
public sealed partial class BotApiState
{
    public CreatedBot CreateBot(CreateBotRequest request)
    {
        lock (_lock)
        {
            long id;
            do
            {
                id = Random.Shared.NextInt64(1_000_000_000, 10_000_000_000);
            }
            while (_bots.ContainsKey(id));
            var token = $"{id}:AA{RandomToken(33)}";
            var user = DefaultBotUser(id, request.FirstName, request.Username);
            _bots[id] = new BotRecord(user, token, _firstUpdateId);
            return new CreatedBot(id, token, user.Username!);
        }
    }

    public IReadOnlyList<BotView> Bots()
    {
        lock (_lock)
        {
            return [.. _bots.Values.Select(bot => new BotView(bot.User.Id, bot.User.Username!, bot.User.FirstName, bot.Webhook is not null,
                bot.Pending.Count, bot.LastErrorMessage, [.. bot.Chats.Values.Select(chat => ChatViewOf(bot, chat))]))];
        }
    }

    public IReadOnlyList<ChatView> Chats(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) ? [.. bot.Chats.Values.Select(chat => ChatViewOf(bot, chat))] : [];
        }
    }

    public CreatedGroup CreateGroup(long botId, CreateGroupRequest request)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            long id;
            do
            {
                id = -(1_000_000_000_000 + Random.Shared.NextInt64(1_000_000_000, 10_000_000_000));
            }
            while (bot.Chats.ContainsKey(id));
            var chat = bot.Chats[id] = new ChatRecord(new BotChat(id, "supergroup", Title: request.Title, IsForum: request.IsForum ? true : null),
                request.BotIsAdmin, request.BotIsAdmin && request.CanManageTopics);
            foreach (var userId in request.MemberUserIds ?? [])
            {
                bot.Person(userId);
                chat.Members[userId] = "member";
            }
            return new CreatedGroup(id, request.Title, request.IsForum);
        }
    }

    public MemberView AddMember(long botId, long chatId, AddMemberRequest request)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var chat = Group(bot, chatId);
            var person = bot.Person(request.UserId, request.FirstName, request.LastName, request.Username);
            chat.Members[person.Id] = request.Status;
            return new MemberView(person.Id, person.FirstName, person.LastName, person.Username, request.Status);
        }
    }

    /// <summary>A person writes: the message is kept and, when the bot would see it, queued as a <c>message</c> update.</summary>
    public PersonAction PersonWrites(long botId, long chatId, PersonMessageRequest request)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var (chat, person) = Participant(bot, chatId, request.FromUserId, request.FirstName, request.LastName, request.Username);
            if (request.ThreadId is { } threadId)
            {
                RequireOpenTopic(chat, threadId, person);
            }
            var replyTo = request.ReplyToMessageId is { } replyId
                ? chat.Find(replyId) ?? throw SandboxProblemException.Invalid("replyToMessageId", "the id of a message in this chat")
                : null;
            var document = request.Document is { } documentUpload
                ? DocumentOf(StoreFile(bot, Decode(documentUpload, "document"), documentUpload.FileName, documentUpload.MimeType, "documents"))
                : null;
            List<PhotoSize>? photo = null;
            if (request.Photo is { } photoUpload)
            {
                var content = Decode(photoUpload, "photo");
                var size = ImageSize.Of(content) ?? throw SandboxProblemException.Invalid("photo", "a PNG, GIF or JPEG image");
                photo = PhotoSizes(bot, content, photoUpload.FileName, size, null);
            }
            var media = document is not null || photo is not null;
            var text = string.IsNullOrEmpty(request.Text) ? null : request.Text;
            if (media && text?.Length > MaxCaptionLength)
            {
                throw SandboxProblemException.Invalid("text", $"at most {MaxCaptionLength} characters with a document or photo (it is the caption)");
            }
            var stored = Post(new Target(chat, request.ThreadId, replyTo), person, silent: false, m => m with
            {
                Text = media ? null : text,
                Caption = media ? text : null,
                Document = document,
                Photo = photo,
            });
            int? updateId = BotSees(bot, chat, stored.Message) ? Enqueue(bot, new BotUpdate(0) { Message = stored.Message }) : null;
            return new PersonAction(View(stored), updateId);
        }
    }

    /// <summary>A person edits their own text message: an <c>edited_message</c> update.</summary>
    public PersonAction PersonEdits(long botId, long chatId, int messageId, PersonEditRequest request)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var chat = bot.Chats.TryGetValue(chatId, out var found) ? found : throw SandboxProblemException.NotFound("chat_not_found", $"Chat {chatId} is not known to bot {botId}.");
            var stored = chat.Find(messageId) ?? throw SandboxProblemException.NotFound("message_not_found", $"Message {messageId} is not in chat {chatId}.");
            if (stored.Message.From?.Id != request.FromUserId || stored.Message.From.IsBot)
            {
                throw SandboxProblemException.Invalid("fromUserId", "the person who wrote the message");
            }
            if (stored.Message.Text is null)
            {
                throw SandboxProblemException.Invalid("messageId", "a text message (captions are not editable here)");
            }
            var edited = stored.Message with { Text = request.Text, EditDate = UnixNow };
            var replaced = stored with { Message = edited, EditedAt = Now };
            chat.Replace(replaced);
            int? updateId = BotSees(bot, chat, edited) ? Enqueue(bot, new BotUpdate(0) { EditedMessage = edited }) : null;
            return new PersonAction(View(replaced), updateId);
        }
    }

    /// <summary>A person presses an inline button of a bot's message: a <c>callback_query</c> update.</summary>
    public PressedButton PersonPresses(long botId, long chatId, ButtonPressRequest request)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var (chat, person) = Participant(bot, chatId, request.FromUserId, null, null, null);
            var stored = chat.Find(request.MessageId);
            if (stored is null || stored.Message.From?.Id != bot.User.Id)
            {
                throw SandboxProblemException.Invalid("messageId", "the id of a message this bot sent to this chat");
            }
            if (!HasCallbackButton(stored.Message.ReplyMarkup, request.Data))
            {
                throw SandboxProblemException.Invalid("data", "the callback_data of an inline button of that message");
            }
            var callback = new CallbackRecord(RandomDigits(19), chatId, request.MessageId, person.Id, request.Data, Now);
            bot.Remember(callback);
            callback.UpdateId = Enqueue(bot, new BotUpdate(0)
            {
                CallbackQuery = new CallbackQuery(callback.Id, person, stored.Message, chat.Instance, request.Data),
            });
            return new PressedButton(callback.Id, callback.UpdateId);
        }
    }

    public IReadOnlyList<CallbackView> Callbacks(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) ? [.. bot.CallbacksByAge.Select(id => bot.Callbacks[id].View())] : [];
        }
    }

    public CallbackView? Callback(long botId, string callbackQueryId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Callbacks.TryGetValue(callbackQueryId, out var callback) ? callback.View() : null;
        }
    }

    /// <summary>
    /// A person blocks (or unblocks) the bot: a <c>my_chat_member</c> update for their private chat, the bot's status
    /// going <c>member</c> → <c>kicked</c> (or back). Blocking twice changes nothing and queues nothing.
    /// </summary>
    public BlockChange Block(long botId, long userId, bool blocked)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var person = bot.Person(userId);
            var chat = bot.Chat(userId);
            if (bot.BlockedBy.Contains(userId) == blocked)
            {
                return new BlockChange(userId, blocked, null);
            }
            if (blocked)
            {
                bot.BlockedBy.Add(userId);
            }
            else
            {
                bot.BlockedBy.Remove(userId);
            }
            var member = new ChatMemberShape("member", bot.User);
            var kicked = new ChatMemberShape("kicked", bot.User) { UntilDate = 0 };
            var updateId = Enqueue(bot, new BotUpdate(0)
            {
                MyChatMember = new ChatMemberUpdated(chat.Info, person, UnixNow, blocked ? member : kicked, blocked ? kicked : member),
            });
            return new BlockChange(userId, blocked, updateId);
        }
    }

    /// <summary>A person deletes a topic: Telegram sends no update; the bot learns it when a send fails.</summary>
    public void DeleteTopic(long botId, long chatId, int threadId)
    {
        lock (_lock)
        {
            var chat = Group(Bot(botId), chatId);
            var topic = Topic(chat, threadId);
            chat.Topics[threadId] = topic with { Deleted = true };
        }
    }

    /// <summary>
    /// A person closes or reopens a topic. With <paramref name="fromUserId"/>, Telegram's service message
    /// (<c>forum_topic_closed</c> / <c>forum_topic_reopened</c>) is posted in the topic and sent to an admin bot.
    /// </summary>
    public PersonAction CloseTopic(long botId, long chatId, int threadId, bool closed, long? fromUserId)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            var chat = Group(bot, chatId);
            var topic = Topic(chat, threadId);
            if (topic.Closed == closed)
            {
                return new PersonAction(null, null);
            }
            chat.Topics[threadId] = topic with { Closed = closed };
            if (fromUserId is not { } userId)
            {
                return new PersonAction(null, null);
            }
            var person = bot.Person(userId);
            chat.Members.TryAdd(userId, "administrator");
            var stored = Post(new Target(chat, threadId, null), person, silent: false,
                m => closed ? m with { ForumTopicClosed = new EmptyServiceObject() } : m with { ForumTopicReopened = new EmptyServiceObject() },
                closed ? "forum_topic_closed" : "forum_topic_reopened");
            int? updateId = chat.BotIsAdmin ? Enqueue(bot, new BotUpdate(0) { Message = stored.Message }) : null;
            return new PersonAction(View(stored), updateId);
        }
    }

    /// <summary>
    /// The chat a person acts in, and the person: their private chat with the bot (its id is their user id), or a group
    /// the control API made (or a bot wrote to), which they join as a member by acting in it.
    /// </summary>
    private static (ChatRecord Chat, BotUser Person) Participant(BotRecord bot, long chatId, long userId, string? firstName, string? lastName, string? username)
    {
        if (chatId > 0)
        {
            if (chatId != userId)
            {
                throw SandboxProblemException.Invalid("fromUserId", "the chat's id: a private chat's id is its person's user id");
            }
            var person = bot.Person(userId, firstName, lastName, username);
            if (bot.BlockedBy.Contains(userId))
            {
                throw new SandboxProblemException(400, "bot_blocked", $"User {userId} has blocked the bot; unblock it first.", "fromUserId");
            }
            return (bot.Chat(chatId), person);
        }
        var group = Group(bot, chatId);
        var member = bot.Person(userId, firstName, lastName, username);
        group.Members.TryAdd(userId, "member");
        return (group, member);
    }

    private static ChatRecord Group(BotRecord bot, long chatId) => chatId < 0 && bot.Chats.TryGetValue(chatId, out var chat)
        ? chat
        : throw SandboxProblemException.NotFound("chat_not_found", $"Group {chatId} is not known to bot {bot.User.Id}.");

    private static TopicInfo Topic(ChatRecord chat, int threadId) => chat.Topics.TryGetValue(threadId, out var topic) && !topic.Deleted
        ? topic
        : throw SandboxProblemException.NotFound("topic_not_found", $"Topic {threadId} is not in chat {chat.Info.Id}.");

    private static void RequireOpenTopic(ChatRecord chat, int threadId, BotUser person)
    {
        if (!chat.IsForum)
        {
            throw SandboxProblemException.Invalid("threadId", "absent: the chat is not a forum");
        }
        if (!chat.Topics.TryGetValue(threadId, out var topic) || topic.Deleted)
        {
            throw new SandboxProblemException(400, "thread_not_found", $"Topic {threadId} does not exist in chat {chat.Info.Id}.", "threadId");
        }
        if (topic.Closed && chat.Members.GetValueOrDefault(person.Id) != "administrator")
        {
            throw new SandboxProblemException(400, "topic_closed", $"Topic {threadId} is closed; only administrators write in it.", "threadId");
        }
    }

    /// <summary>
    /// Whether the bot gets a message: always in a private chat; in a group, an administrator bot sees everything and
    /// any other bot (privacy mode) only commands and replies to its own messages.
    /// </summary>
    private static bool BotSees(BotRecord bot, ChatRecord chat, BotMessage message) =>
        !chat.IsGroup || chat.BotIsAdmin
        || message.Text?.StartsWith('/') == true
        || (message.ReplyToMessage?.From?.Id == bot.User.Id && message.IsTopicMessage != true);

    private static bool HasCallbackButton(JsonElement? markup, string data) =>
        markup is { ValueKind: JsonValueKind.Object } keyboard
        && keyboard.TryGetProperty("inline_keyboard", out var rows) && rows.ValueKind == JsonValueKind.Array
        && rows.EnumerateArray().Where(row => row.ValueKind == JsonValueKind.Array).SelectMany(row => row.EnumerateArray()).Any(button =>
            button.ValueKind == JsonValueKind.Object && button.TryGetProperty("callback_data", out var value)
            && value.ValueKind == JsonValueKind.String && value.GetString() == data);

    private byte[] Decode(AttachmentRequest attachment, string field)
    {
        if ((long)attachment.ContentBase64.Length * 3 / 4 > _options.MaxFileBytes)
        {
            throw new SandboxProblemException(400, "file_too_large", $"The {field} is larger than {_options.MaxFileBytes} bytes.", field);
        }
        try
        {
            var content = Convert.FromBase64String(attachment.ContentBase64);
            return content.Length > 0 ? content : throw SandboxProblemException.Invalid(field, "a non-empty file");
        }
        catch (FormatException)
        {
            throw SandboxProblemException.Invalid($"{field}.contentBase64", "the file's bytes in base64");
        }
    }

    private static ChatView ChatViewOf(BotRecord bot, ChatRecord chat)
    {
        if (chat.IsGroup)
        {
            return new ChatView(chat.Info.Id, chat.Info.Type, chat.Info.Title ?? "", chat.IsForum, chat.BotIsAdmin ? "administrator" : "member",
                chat.BotCanManageTopics, Blocked: false, [.. chat.Members.Select(m => MemberViewOf(bot.Person(m.Key), m.Value))]);
        }
        var person = bot.Person(chat.Info.Id);
        var blocked = bot.BlockedBy.Contains(person.Id);
        return new ChatView(chat.Info.Id, chat.Info.Type, NameOf(person), false, blocked ? "kicked" : "member", false, blocked,
            [MemberViewOf(person, "member")]);
    }

    private static MemberView MemberViewOf(BotUser person, string status) => new(person.Id, person.FirstName, person.LastName, person.Username, status);
}
