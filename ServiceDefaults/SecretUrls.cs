using System.Text.RegularExpressions;

namespace OmniChat.ServiceDefaults;

/// <summary>
/// URLs that carry a secret in their path, made safe to record. The Bot API puts the bot token in the path
/// (<c>/bot123:AAH…/sendMessage</c>), so an HTTP client span's <c>url.full</c> would otherwise export every tenant's token.
/// </summary>
public static partial class SecretUrls
{
    /// <summary><paramref name="uri"/> with a bot token in its path replaced by <c>bot{id}:REDACTED</c>; others unchanged.</summary>
    public static string Redact(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var text = uri.IsAbsoluteUri ? uri.GetLeftPart(UriPartial.Path) : uri.OriginalString;
        return BotToken().Replace(text, "/bot${id}:REDACTED/");
    }

    [GeneratedRegex(@"/bot(?<id>[0-9]+):[^/]+/")]
    private static partial Regex BotToken();
}
