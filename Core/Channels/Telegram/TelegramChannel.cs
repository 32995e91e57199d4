using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>Whether a tenant's Telegram channel works.</summary>
public enum TelegramChannelStatus
{
    /// <summary>Connected: the webhook is set and the bot can post in the support group.</summary>
    Active,

    /// <summary>Telegram refuses the bot (token revoked, bot removed or blocked); <see cref="TelegramChannel.StatusReason"/> says why.</summary>
    Inactive,

    /// <summary>Telegram could not be told where to deliver updates, or reports delivery errors.</summary>
    WebhookFailing,
}

/// <summary>
/// A tenant's Telegram bot and support group (a forum supergroup, one topic per conversation). The bot token and the
/// webhook secret are stored only as <see cref="ProtectedSecrets"/> (Data Protection, a purpose per tenant); what is
/// shown back is <see cref="TokenHint"/>. Inbound updates are accepted when their secret header hashes to
/// <see cref="WebhookSecretHash"/> (or, for a short overlap after a rotation, <see cref="PreviousWebhookSecretHash"/>).
/// </summary>
public sealed class TelegramChannel : ITenantOwned
{
    /// <summary>The channel id: part of the webhook URL Telegram posts to.</summary>
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>The bot's numeric id (the part of the token before the colon).</summary>
    public long BotId { get; set; }

    public required string BotUsername { get; set; }

    /// <summary>The forum supergroup where agents work (negative id, <c>-100…</c>).</summary>
    public long SupportGroupId { get; set; }

    public required string SupportGroupTitle { get; set; }

    /// <summary>Post visitor messages without a notification (Telegram's <c>disable_notification</c>).</summary>
    public bool Silent { get; set; } = true;

    /// <summary>The bot token and webhook secret, protected (<see cref="TelegramChannelSecrets"/>).</summary>
    public required string ProtectedSecrets { get; set; }

    /// <summary>A masked form of the token for people (<c>123456:…XYZ</c>).</summary>
    public required string TokenHint { get; set; }

    /// <summary>SHA-256 of the webhook secret Telegram sends in <c>X-Telegram-Bot-Api-Secret-Token</c>.</summary>
    public required byte[] WebhookSecretHash { get; set; }

    /// <summary>The secret before the last rotation, accepted until <see cref="PreviousWebhookSecretValidUntil"/>.</summary>
    public byte[]? PreviousWebhookSecretHash { get; set; }

    public DateTimeOffset? PreviousWebhookSecretValidUntil { get; set; }

    public TelegramChannelStatus Status { get; set; }

    /// <summary>Why the channel is not active (<c>bot blocked</c>, <c>token revoked</c>, …).</summary>
    public string? StatusReason { get; set; }

    /// <summary>The last error Telegram gave, without any secret.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? LastErrorAt { get; set; }

    public DateTimeOffset ConnectedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
