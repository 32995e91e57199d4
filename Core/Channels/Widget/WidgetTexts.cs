using OmniChat.Core.Templates;

namespace OmniChat.Core.Channels.Widget;

/// <summary>
/// The texts the widget shows. Each is a template key <c>widget.&lt;name&gt;</c>, so a tenant words and translates them
/// like any template (<c>PUT /v2/templates/widget.title/de</c>), resolved along the same fallback chain; these English
/// texts are the platform's last step.
/// </summary>
public static class WidgetTexts
{
    public const string KeyPrefix = "widget.";

    /// <summary>Text name (as the widget knows it) → the platform's English text. <c>{agent}</c> is filled in by the widget.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["title"] = "Chat with us",
        ["greeting"] = "Hi! How can we help you today?",
        ["placeholder"] = "Write a message…",
        ["send"] = "Send",
        ["open"] = "Open chat",
        ["close"] = "Close chat",
        ["offline"] = "We are away right now; leave a message and we will get back to you.",
        ["closed"] = "This conversation has been closed. Write again any time.",
        ["reopen"] = "Write a message to reopen the conversation.",
        ["agentJoined"] = "{agent} joined the conversation",
        ["agentLeft"] = "The agent left; someone else will answer soon",
        ["typing"] = "typing…",
        ["connecting"] = "Connecting…",
        ["online"] = "Online",
        ["reconnecting"] = "Connection lost, reconnecting…",
        ["read"] = "Read",
        ["attach"] = "Attach a file",
        ["fileTooLarge"] = "This file is too large.",
        ["unsupportedFile"] = "This kind of file cannot be sent.",
        ["continueInTelegram"] = "Continue in Telegram",
        ["error"] = "Something went wrong. Please try again.",
        ["notAllowed"] = "This chat is not available on this website.",
    };

    /// <summary>Every text for <paramref name="locale"/>: the tenant's templates where it has them, else the platform's.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ResolveAsync(TemplateResolver templates, string? locale, string tenantDefaultLocale,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(templates);
        var found = await templates.ResolveManyAsync([.. Defaults.Keys.Select(k => KeyPrefix + k)], locale, tenantDefaultLocale, cancellationToken);
        return Defaults.ToDictionary(d => d.Key, d => found.TryGetValue(KeyPrefix + d.Key, out var text) ? text.Text : d.Value, StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="locale"/>'s script runs right to left (Arabic, Hebrew, Persian, Urdu, …).</summary>
    public static bool IsRightToLeft(string locale)
    {
        ArgumentNullException.ThrowIfNull(locale);
        return locale.Split('-')[0].ToLowerInvariant() is "ar" or "he" or "fa" or "ur" or "ps" or "sd" or "yi" or "dv" or "ckb" or "ug";
    }
}
