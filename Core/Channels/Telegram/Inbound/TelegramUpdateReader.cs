using System.Text.Json;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace OmniChat.Core.Channels.Telegram.Inbound;

/// <summary>A Telegram user as OmniChat needs them: id and names.</summary>
public sealed record TelegramPerson(long Id, string FirstName, string? LastName, string? Username, string? LanguageCode)
{
    /// <summary>First and last name, or the username, or <c>User {id}</c>.</summary>
    public string DisplayName
    {
        get
        {
            var name = $"{FirstName} {LastName}".Trim();
            return name.Length > 0 ? name : Username is { Length: > 0 } u ? u : $"User {Id}";
        }
    }

    internal static TelegramPerson From(User user) =>
        new(user.Id, user.FirstName ?? "", user.LastName, user.Username, user.LanguageCode);
}

/// <summary>A bot command: <c>/rename New title</c> → name <c>rename</c>, arguments <c>New title</c>.</summary>
public sealed record TelegramCommand(string Name, string Arguments);

/// <summary>A file a message carries (<c>photo</c> is its largest size), kept by reference: Telegram holds the bytes.</summary>
public sealed record TelegramFileRef(string Kind, string FileId, string FileUniqueId, string? FileName, string? MimeType, long? Size);

/// <summary>What an update asks OmniChat to do, once read: one of the records below.</summary>
public abstract record InboundAction;

/// <summary>An update OmniChat deliberately does nothing with, and why (service message, the bot's own message, unknown kind, …).</summary>
public sealed record IgnoredUpdate(string Reason) : InboundAction;

/// <summary>
/// A person's message (or its edit, <see cref="Edited"/>) in a chat with the bot: a private chat, or the support group,
/// where <see cref="TopicId"/> is the forum topic (only when Telegram says <c>is_topic_message</c>: a reply thread in a
/// group that is not a forum is no topic). <see cref="Text"/> is the text or the caption.
/// </summary>
public sealed record InboundMessage(long ChatId, bool IsPrivate, int? TopicId, int MessageId, TelegramPerson From, string Text,
    TelegramCommand? Command, IReadOnlyList<TelegramFileRef> Files, bool Edited) : InboundAction;

/// <summary>
/// A person pressed an inline button. <see cref="ChatId"/> and <see cref="MessageId"/> are the message it was on (null when
/// Telegram no longer shows it: an inline message or one too old to access).
/// </summary>
public sealed record ButtonPressed(string CallbackQueryId, TelegramPerson From, long? ChatId, int? MessageId, string? Data) : InboundAction;

/// <summary>
/// The bot's own membership changed in a chat (<c>my_chat_member</c>): in a private chat <c>kicked</c> means the person
/// blocked the bot and <c>member</c> that they unblocked it.
/// </summary>
public sealed record BotMembershipChanged(long ChatId, bool IsPrivate, TelegramPerson From, ChatMemberStatus NewStatus) : InboundAction;

/// <summary>
/// Reads a stored Telegram update (its JSON body) into an <see cref="InboundAction"/>. Every kind is either understood or
/// deliberately ignored; a body Telegram.Bot cannot read at all throws <see cref="JsonException"/> (a poison update).
/// </summary>
public static class TelegramUpdateReader
{
    /// <summary>Reads <paramref name="payload"/> for the bot <paramref name="botId"/> (<paramref name="botUsername"/> without the <c>@</c>).</summary>
    public static InboundAction Read(string payload, long botId, string? botUsername)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var update = JsonSerializer.Deserialize<Update>(payload, JsonBotAPI.Options) ?? throw new JsonException("The update is null.");
        return update.Type switch
        {
            UpdateType.Message => ReadMessage(update.Message!, botId, botUsername, edited: false),
            UpdateType.EditedMessage => ReadMessage(update.EditedMessage!, botId, botUsername, edited: true),
            UpdateType.CallbackQuery => ReadButton(update.CallbackQuery!),
            UpdateType.MyChatMember => ReadMembership(update.MyChatMember!),
            UpdateType.ChatMember => new IgnoredUpdate("chat_member: other people's membership is not tracked"),
            UpdateType.Unknown => new IgnoredUpdate("unknown kind of update"),
            var other => new IgnoredUpdate($"{other}: not used by OmniChat"),
        };
    }

    /// <summary>
    /// A command at the start of <paramref name="text"/> (<c>/name@bot args</c>), or null. A command addressed to another
    /// bot (<c>@other_bot</c>) is no command for this one.
    /// </summary>
    public static TelegramCommand? ReadCommand(string text, string? botUsername)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 2 || text[0] != '/' || !char.IsAsciiLetterOrDigit(text[1]))
        {
            return null;
        }
        var end = text.AsSpan().IndexOfAny(' ', '\n', '\t');
        var head = end < 0 ? text[1..] : text[1..end];
        var arguments = end < 0 ? "" : text[(end + 1)..].Trim();
        var at = head.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var addressee = head[(at + 1)..];
            if (botUsername is not null && !string.Equals(addressee, botUsername.TrimStart('@'), StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            head = head[..at];
        }
        return head.Length == 0 || !head.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? null
            : new TelegramCommand(head.ToLowerInvariant(), arguments);
    }

    private static InboundAction ReadMessage(Message message, long botId, string? botUsername, bool edited)
    {
        if (message.From is not { } from)
        {
            return new IgnoredUpdate("a message without a person (channel post or anonymous admin)");
        }
        if (from.Id == botId || from.IsBot)
        {
            return new IgnoredUpdate("a bot's own message");
        }
        if (message.IsServiceMessage)
        {
            return new IgnoredUpdate($"service message ({message.Type})");
        }
        var isPrivate = message.Chat.Type == ChatType.Private;
        if (!isPrivate && message.Chat.Type != ChatType.Supergroup && message.Chat.Type != ChatType.Group)
        {
            return new IgnoredUpdate($"a message in a {message.Chat.Type}");
        }
        var files = Files(message);
        var text = message.Text ?? message.Caption ?? "";
        if (text.Length == 0 && files.Count == 0)
        {
            return new IgnoredUpdate($"a {message.Type} message OmniChat does not carry");
        }
        // message_thread_id alone is a reply thread in a group that is not a forum: only is_topic_message makes it a topic.
        int? topic = !isPrivate && message.IsTopicMessage ? message.MessageThreadId : null;
        var command = message.Text is { } t ? ReadCommand(t, botUsername) : null;
        return new InboundMessage(message.Chat.Id, isPrivate, topic, message.Id, TelegramPerson.From(from), text, command, files, edited);
    }

    private static List<TelegramFileRef> Files(Message message)
    {
        var files = new List<TelegramFileRef>();
        if (message.Photo is { Length: > 0 } sizes)
        {
            var largest = sizes[^1];
            files.Add(new TelegramFileRef("photo", largest.FileId, largest.FileUniqueId, null, "image/jpeg", largest.FileSize));
        }
        if (message.Document is { } document)
        {
            files.Add(new TelegramFileRef("document", document.FileId, document.FileUniqueId, document.FileName, document.MimeType, document.FileSize));
        }
        if (message.Video is { } video)
        {
            files.Add(new TelegramFileRef("video", video.FileId, video.FileUniqueId, video.FileName, video.MimeType, video.FileSize));
        }
        if (message.Audio is { } audio)
        {
            files.Add(new TelegramFileRef("audio", audio.FileId, audio.FileUniqueId, audio.FileName, audio.MimeType, audio.FileSize));
        }
        if (message.Voice is { } voice)
        {
            files.Add(new TelegramFileRef("voice", voice.FileId, voice.FileUniqueId, null, voice.MimeType, voice.FileSize));
        }
        if (message.Sticker is { } sticker)
        {
            files.Add(new TelegramFileRef("sticker", sticker.FileId, sticker.FileUniqueId, null, null, sticker.FileSize));
        }
        return files;
    }

    private static ButtonPressed ReadButton(CallbackQuery query)
    {
        // An inaccessible message (too old) arrives with date 0: it is no longer the card we sent.
        var message = query.Message is { } m && m.Date > DateTime.UnixEpoch ? m : null;
        return new ButtonPressed(query.Id, TelegramPerson.From(query.From), message?.Chat.Id, message?.Id, query.Data);
    }

    private static BotMembershipChanged ReadMembership(ChatMemberUpdated update) =>
        new BotMembershipChanged(update.Chat.Id, update.Chat.Type == ChatType.Private, TelegramPerson.From(update.From), update.NewChatMember.Status);
}
