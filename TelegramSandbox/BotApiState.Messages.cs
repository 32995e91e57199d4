using System.Security.Cryptography;
using System.Text.Json;

namespace OmniChat.TelegramSandbox;

// sendMessage, sendDocument, sendPhoto, editMessageText, editMessageReplyMarkup, deleteMessage, getFile, and how a message is built
// and shown.
public sealed partial class BotApiState
{
    private const string NotModified = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
    private const int ThumbnailSide = 90;

    private sealed record Target(ChatRecord Chat, int? ThreadId, StoredMessage? ReplyTo);

    private BotApiResponse SendMessage(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is null)
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        var text = arguments.Text("text");
        if (string.IsNullOrWhiteSpace(text))
        {
            return BotApiResponse.Error(400, "Bad Request: message text is empty");
        }
        if (text.Length > MaxTextLength)
        {
            return BotApiResponse.Error(400, "Bad Request: message is too long");
        }
        if (ResolveTarget(bot, arguments, out var target) is { } refused)
        {
            return refused;
        }
        var message = Post(target, bot.User, arguments.Flag("disable_notification") ?? false,
            m => m with { Text = text, ReplyMarkup = arguments.Element("reply_markup") });
        bot.MessagesSent++;
        return BotApiResponse.Success(message.Message);
    }

    private BotApiResponse SendMedia(BotRecord bot, BotApiArguments arguments, bool photo)
    {
        var parameter = photo ? "photo" : "document";
        if (arguments.Number("chat_id") is null)
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        var caption = arguments.Text("caption");
        if (caption?.Length > MaxCaptionLength)
        {
            return BotApiResponse.Error(400, "Bad Request: message caption is too long");
        }
        StoredFile? existing = null;
        var upload = arguments.File(parameter);
        if (upload is null)
        {
            if (arguments.Text(parameter) is not { Length: > 0 } fileId)
            {
                return BotApiResponse.Error(400, $"Bad Request: there is no {parameter} in the request");
            }
            if (!bot.Files.TryGetValue(fileId, out existing))
            {
                return BotApiResponse.Error(400, "Bad Request: wrong file identifier/HTTP URL specified");
            }
        }
        else if (upload.Content.Length == 0)
        {
            return BotApiResponse.Error(400, "Bad Request: file must be non-empty");
        }
        var content = upload?.Content ?? existing!.Content;
        var size = photo ? ImageSize.Of(content) : null;
        if (photo && size is null)
        {
            return BotApiResponse.Error(400, "Bad Request: IMAGE_PROCESS_FAILED");
        }
        if (ResolveTarget(bot, arguments, out var target) is { } refused)
        {
            return refused;
        }
        var attachment = photo
            ? Attach(null, PhotoSizes(bot, content, upload?.FileName, size!.Value, existing))
            : Attach(DocumentOf(existing ?? StoreFile(bot, content, upload!.FileName, upload.ContentType, "documents")), null);
        var message = Post(target, bot.User, arguments.Flag("disable_notification") ?? false,
            m => attachment(m) with { Caption = string.IsNullOrEmpty(caption) ? null : caption, ReplyMarkup = arguments.Element("reply_markup") });
        bot.MessagesSent++;
        return BotApiResponse.Success(message.Message);
    }

    private static Func<BotMessage, BotMessage> Attach(BotDocument? document, IReadOnlyList<PhotoSize>? photo) =>
        m => m with { Document = document, Photo = photo };

    // Telegram's rules, minus its 48-hour limit: service messages stay; in a group the bot deletes its own messages, and anyone's
    // as an administrator; in a private chat, both sides' messages.
    private static BotApiResponse DeleteMessage(BotRecord bot, BotApiArguments arguments)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (arguments.SmallNumber("message_id") is not { } messageId || chat.Find(messageId) is not { } stored)
        {
            return BotApiResponse.Error(400, "Bad Request: message to delete not found");
        }
        if (stored.Service is not null || (chat.IsGroup && stored.Message.From?.Id != bot.User.Id && !chat.BotIsAdmin))
        {
            return BotApiResponse.Error(400, "Bad Request: message can't be deleted");
        }
        chat.Remove(messageId);
        return BotApiResponse.Success(true);
    }

    private BotApiResponse EditMessage(BotRecord bot, BotApiArguments arguments, bool editText)
    {
        if (arguments.Number("chat_id") is not { } chatId || !bot.Chats.TryGetValue(chatId, out var chat))
        {
            return BotApiResponse.Error(400, "Bad Request: chat not found");
        }
        if (arguments.SmallNumber("message_id") is not { } messageId || chat.Find(messageId) is not { } stored)
        {
            return BotApiResponse.Error(400, "Bad Request: message to edit not found");
        }
        if (stored.Message.From?.Id != bot.User.Id || stored.Service is not null)
        {
            return BotApiResponse.Error(400, "Bad Request: message can't be edited");
        }
        if (!chat.IsGroup && bot.BlockedBy.Contains(chatId))
        {
            return BotApiResponse.Error(403, "Forbidden: bot was blocked by the user");
        }
        var text = stored.Message.Text;
        if (editText)
        {
            text = arguments.Text("text");
            if (string.IsNullOrWhiteSpace(text))
            {
                return BotApiResponse.Error(400, "Bad Request: message text is empty");
            }
            if (text.Length > MaxTextLength)
            {
                return BotApiResponse.Error(400, "Bad Request: message is too long");
            }
            if (stored.Message.Text is null)
            {
                return BotApiResponse.Error(400, "Bad Request: there is no text in the message to edit");
            }
        }
        var markup = arguments.Element("reply_markup");
        if (text == stored.Message.Text && SameMarkup(markup, stored.Message.ReplyMarkup))
        {
            return BotApiResponse.Error(400, NotModified);
        }
        if (Throttled(bot, chatId) is { } throttled)
        {
            return throttled;
        }
        var edited = stored.Message with { Text = text, ReplyMarkup = markup, EditDate = UnixNow };
        chat.Replace(stored with { Message = edited, EditedAt = Now });
        return BotApiResponse.Success(edited);
    }

    private static bool SameMarkup(JsonElement? a, JsonElement? b) =>
        a is null || b is null ? a is null && b is null : JsonSerializer.Serialize(a.Value) == JsonSerializer.Serialize(b.Value);

    private static BotApiResponse GetFile(BotRecord bot, BotApiArguments arguments) =>
        arguments.Text("file_id") is { } fileId && bot.Files.TryGetValue(fileId, out var file)
            ? BotApiResponse.Success(new BotFile(file.FileId, file.FileUniqueId, file.Content.Length, file.FilePath))
            : BotApiResponse.Error(400, "Bad Request: invalid file_id");

    /// <summary>A file by its <c>file_path</c>, as <c>GET /file/bot{token}/{file_path}</c> serves it: 401 for a wrong token, 404 when unknown.</summary>
    public (int Status, FileContent? File) Download(long botId, string token, string filePath)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            if (!bot.Accepts(token))
            {
                return (401, null);
            }
            var file = bot.Files.Values.FirstOrDefault(f => f.FilePath == filePath);
            return file is null ? (404, null) : (200, new FileContent(file.Content, file.ContentType, file.FileName));
        }
    }

    /// <summary>A file by its id, for the control API and the web page (no token needed).</summary>
    public FileContent? File(long botId, string fileId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Files.TryGetValue(fileId, out var file)
                ? new FileContent(file.Content, file.ContentType, file.FileName)
                : null;
        }
    }

    /// <summary>
    /// Where a bot's message goes: the chat (made up on first use, as before the control API existed), the topic, the
    /// message replied to; or Telegram's refusal (blocked, thread not found, topic closed, flood).
    /// </summary>
    private BotApiResponse? ResolveTarget(BotRecord bot, BotApiArguments arguments, out Target target)
    {
        var chatId = arguments.Number("chat_id")!.Value;
        var chat = bot.Chat(chatId);
        target = new Target(chat, null, null);
        if (!chat.IsGroup && bot.BlockedBy.Contains(chatId))
        {
            return BotApiResponse.Error(403, "Forbidden: bot was blocked by the user");
        }
        var threadId = arguments.SmallNumber("message_thread_id");
        if (threadId is { } thread)
        {
            if (!chat.Topics.TryGetValue(thread, out var topic) || topic.Deleted)
            {
                return BotApiResponse.Error(400, "Bad Request: message thread not found");
            }
            if (topic.Closed)
            {
                return BotApiResponse.Error(400, "Bad Request: TOPIC_CLOSED");
            }
        }
        StoredMessage? replyTo = null;
        var replyId = arguments.Element("reply_parameters") is { ValueKind: JsonValueKind.Object } parameters
            && parameters.TryGetProperty("message_id", out var id) && id.TryGetInt32(out var fromParameters)
            ? fromParameters
            : arguments.SmallNumber("reply_to_message_id");
        if (replyId is { } reply && (replyTo = chat.Find(reply)) is null)
        {
            return BotApiResponse.Error(400, "Bad Request: message to be replied not found");
        }
        if (Throttled(bot, chatId) is { } refused)
        {
            return refused;
        }
        target = new Target(chat, threadId, replyTo);
        return null;
    }

    /// <summary>
    /// Adds a message to a chat the way Telegram shapes it: in a forum topic it carries <c>message_thread_id</c>,
    /// <c>is_topic_message: true</c> and, when it replies to nothing, <c>reply_to_message</c> is the topic's creation
    /// message; in a group that is not a forum a reply carries the thread of the message it answers but no
    /// <c>is_topic_message</c>; in the General topic neither.
    /// </summary>
    private StoredMessage Post(Target target, BotUser from, bool silent, Func<BotMessage, BotMessage> content, string? service = null)
    {
        var (chat, threadId, replyTo) = target;
        var message = new BotMessage(chat.NextMessageId(), UnixNow, chat.Info, from);
        if (chat.IsForum && threadId is { } topic)
        {
            message = message with { MessageThreadId = topic, IsTopicMessage = true, ReplyToMessage = Shallow((replyTo ?? chat.Find(topic))?.Message) };
        }
        else if (chat.IsGroup && !chat.IsForum && replyTo is not null)
        {
            message = message with { MessageThreadId = replyTo.Message.MessageThreadId ?? replyTo.Message.MessageId, ReplyToMessage = Shallow(replyTo.Message) };
        }
        else if (replyTo is not null)
        {
            message = message with { ReplyToMessage = Shallow(replyTo.Message) };
        }
        var stored = new StoredMessage(content(message), silent, Now, replyTo?.Message.MessageId, service);
        chat.Add(stored);
        return stored;
    }

    private static BotMessage? Shallow(BotMessage? message) => message is null ? null : message with { ReplyToMessage = null };

    private StoredFile StoreFile(BotRecord bot, byte[] content, string? fileName, string? contentType, string folder, string? extension = null)
    {
        while (bot.FileBytes + content.Length > _options.MaxFileBytesPerBot && bot.FilesByAge.TryDequeue(out var oldest))
        {
            bot.Files.Remove(oldest.FileId);
            bot.FileBytes -= oldest.Content.Length;
        }
        var number = ++bot.LastFileNumber;
        extension ??= Path.GetExtension(fileName)?.TrimStart('.') is { Length: > 0 and <= 10 } fromName ? fromName.ToLowerInvariant() : "bin";
        var prefix = folder == "photos" ? "AgACAgIAAxkBAAI" : "BQACAgIAAxkBAAI";
        var file = new StoredFile(prefix + RandomToken(40), "AgAD" + RandomToken(12), $"{folder}/file_{number}.{extension}", content,
            fileName, string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType);
        bot.Files[file.FileId] = file;
        bot.FilesByAge.Enqueue(file);
        bot.FileBytes += content.Length;
        return file;
    }

    private static BotDocument DocumentOf(StoredFile file) => new(file.FileId, file.FileUniqueId, file.FileName, file.ContentType, file.Content.Length);

    /// <summary>
    /// A photo as Telegram gives it: sizes smallest first, largest (the original) last. The sandbox does not resize, so
    /// the thumbnail is the same bytes under its own file id with scaled-down dimensions.
    /// </summary>
    private List<PhotoSize> PhotoSizes(BotRecord bot, byte[] content, string? fileName, (int Width, int Height, string ContentType) size, StoredFile? existing)
    {
        var extension = size.ContentType switch { "image/png" => "png", "image/gif" => "gif", _ => "jpg" };
        var original = existing ?? StoreFile(bot, content, fileName, size.ContentType, "photos", extension);
        var largest = new PhotoSize(original.FileId, original.FileUniqueId, size.Width, size.Height, content.Length);
        var longest = Math.Max(size.Width, size.Height);
        if (longest <= ThumbnailSide)
        {
            return [largest];
        }
        var thumbnail = StoreFile(bot, content, fileName, size.ContentType, "photos", extension);
        return [new PhotoSize(thumbnail.FileId, thumbnail.FileUniqueId, Math.Max(1, size.Width * ThumbnailSide / longest),
            Math.Max(1, size.Height * ThumbnailSide / longest), content.Length), largest];
    }

    private static string RandomToken(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", length);

    private static SentMessage View(StoredMessage stored)
    {
        var message = stored.Message;
        var from = message.From!;
        return new SentMessage(message.MessageId, message.MessageThreadId, message.Text ?? ServiceText(message), stored.Silent,
            message.ReplyMarkup, stored.SentAt, from.Id, from.IsBot, NameOf(from))
        {
            IsTopicMessage = message.IsTopicMessage,
            ReplyToMessageId = stored.ReplyToMessageId,
            EditedAt = stored.EditedAt,
            Caption = message.Caption,
            Document = message.Document is { } document ? new FileView(document.FileId, document.FileName, document.MimeType, document.FileSize) : null,
            Photo = message.Photo is [.., var photo] ? new FileView(photo.FileId, null, null, photo.FileSize) : null,
            Service = stored.Service,
        };
    }

    private static string? ServiceText(BotMessage message) => message switch
    {
        { ForumTopicCreated: { } created } => $"Topic \"{created.Name}\" created",
        { ForumTopicClosed: not null } => "Topic closed",
        { ForumTopicReopened: not null } => "Topic reopened",
        _ => null,
    };

    private static string NameOf(BotUser user) => user.LastName is null ? user.FirstName : $"{user.FirstName} {user.LastName}";
}
