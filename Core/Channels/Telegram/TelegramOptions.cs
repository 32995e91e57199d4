namespace OmniChat.Core.Channels.Telegram;

/// <summary>How OmniChat talks to the Bot API (section <c>Telegram</c>).</summary>
public sealed class TelegramOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Telegram";

    /// <summary>The Bot API server: Telegram's, a local Bot API server, or the sandbox (the AppHost points it there).</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.telegram.org");

    /// <summary>
    /// Where Telegram reaches the Api from outside (<c>Telegram__PublicBaseUrl</c>, seed alias <c>PUBLIC_BASE_URL</c>):
    /// webhooks are set to <c>{PublicBaseUrl}/telegram/webhook/{channelId}</c>. Required to connect a channel.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long the webhook secret before a rotation is still accepted (updates Telegram had queued with it).</summary>
    public TimeSpan WebhookSecretOverlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries in flight at once in one Workers instance (each may wait for Telegram's pacing).</summary>
    public int SenderConcurrency { get; set; } = 32;

    /// <summary>Deliveries of one tenant in flight at once: the rest of the slots stay free for other tenants.</summary>
    public int SenderPerTenantConcurrency { get; set; } = 4;

    /// <summary>How often the sender looks for due deliveries written by other instances.</summary>
    public TimeSpan DeliveryPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed delivery is held: longer than any pacing wait, so it is never sent twice at once.</summary>
    public TimeSpan DeliveryLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the inbox processor looks for stored updates when nothing woke it (<c>Telegram__InboxPollInterval</c>).</summary>
    public TimeSpan InboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Inbound updates in process at once in one Workers instance (each is one chat's head).</summary>
    public int InboxConcurrency { get; set; } = 16;

    /// <summary>One tenant's chats in process at once: the rest stay free for other tenants.</summary>
    public int InboxPerTenantConcurrency { get; set; } = 4;

    /// <summary>How long a worker holds an update it processes; a crashed worker's update is taken again after it.</summary>
    public TimeSpan InboxLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts of one update before it is given up on (kept with its last error) and the chat goes on.</summary>
    public int InboxMaxAttempts { get; set; } = 5;

    /// <summary>Wait after an update's first failed attempt; each next one doubles, with ±20 % jitter.</summary>
    public TimeSpan InboxRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between attempts of one update.</summary>
    public TimeSpan InboxRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Messages a second one bot sends in all (Telegram's broadcast limit is about 30).</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>Messages a bot may send at once above its rate. Kept well under Telegram's own burst, so arrival jitter
    /// between our clock and Telegram's never turns into a 429.</summary>
    public int PerBotBurst { get; set; } = 5;

    /// <summary>Messages a minute into one private chat (Telegram: about one a second).</summary>
    public int PerChatPerMinute { get; set; } = 60;

    /// <summary>Messages a minute into one group, forum topics included (Telegram: 20).</summary>
    public int PerGroupPerMinute { get; set; } = 20;

    /// <summary>Messages a group may take at once above its rate (half of Telegram's, for the same reason).</summary>
    public int PerGroupBurst { get; set; } = 10;

    /// <summary>Attempts of one send (429, 5xx and connection failures are retried) before it fails for good.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First delay after a 5xx or a connection failure; each next one doubles, with ±20 % jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait after a 429 that carries no <c>retry_after</c>.</summary>
    public TimeSpan RetryAfterFallback { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A Bot API call must answer within this time.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
