using System.Globalization;
using System.Text;
using Telegram.Bot.Types.ReplyMarkups;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>What the support group shows of a conversation: its topic title, its welcome card and the card's buttons.</summary>
public static class TopicTitleFormatter
{
    /// <summary>Telegram's longest topic name.</summary>
    public const int MaxTitleLength = 128;

    /// <summary>Callback data of the card's Claim button: <c>claim:&lt;conversation id, 32 hex&gt;</c>.</summary>
    public const string ClaimAction = "claim";

    /// <summary>Callback data of the card's Close button: <c>close:&lt;conversation id, 32 hex&gt;</c>.</summary>
    public const string CloseAction = "close";

    /// <summary>A conversation's short id: the last six hex digits of its id (the random part of a v7 uuid).</summary>
    public static string ShortId(Guid conversationId) => conversationId.ToString("N")[^6..];

    /// <summary><c>#a1b2c3 Ann</c>, or <c>✅ Bob · #a1b2c3 Ann</c> while Bob has it, or <c>☑️ #a1b2c3 Ann</c> once closed.</summary>
    public static string Title(Guid conversationId, string? name, string? claimedBy, bool closed)
    {
        var plain = $"#{ShortId(conversationId)} {DisplayName(name)}";
        var title = closed ? $"☑️ {plain}" : claimedBy is null ? plain : $"✅ {claimedBy} · {plain}";
        return title.Length <= MaxTitleLength ? title : title[..(MaxTitleLength - 1)] + "…";
    }

    /// <summary>The welcome card: who, where from, since when, and who has it.</summary>
    public static string Card(Guid conversationId, string? name, string channel, string @interface, DateTimeOffset createdAt, string? claimedBy,
        bool closed)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"#{ShortId(conversationId)} {DisplayName(name)}\n")
            .Append(CultureInfo.InvariantCulture, $"Channel: {channel} · {@interface}\n")
            .Append(CultureInfo.InvariantCulture, $"Started: {createdAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC\n")
            .Append(closed ? "Status: closed" : claimedBy is null ? "Status: waiting — press Claim to answer" : $"Status: claimed by {claimedBy}");
        return text.ToString();
    }

    /// <summary>Claim and Close while open, Close while claimed, none once closed.</summary>
    public static InlineKeyboardMarkup? CardButtons(Guid conversationId, string? claimedBy, bool closed)
    {
        if (closed)
        {
            return null;
        }
        var close = InlineKeyboardButton.WithCallbackData("Close", $"{CloseAction}:{conversationId:N}");
        return claimedBy is null
            ? new InlineKeyboardMarkup([[InlineKeyboardButton.WithCallbackData("Claim", $"{ClaimAction}:{conversationId:N}"), close]])
            : new InlineKeyboardMarkup([[close]]);
    }

    private static string DisplayName(string? name) => string.IsNullOrWhiteSpace(name) ? "Visitor" : name.Trim();
}
