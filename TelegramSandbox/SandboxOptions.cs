namespace OmniChat.TelegramSandbox;

/// <summary>The sandbox's behaviour beside flood control (section <c>Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Wait before the first retry of an update the webhook refused; doubles per failure (Telegram: a few seconds).</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest wait between two retries of one update.</summary>
    public TimeSpan WebhookMaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a webhook may take to answer before the attempt counts as failed.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a callback query can be answered (Telegram: about 15 seconds; the sandbox is kinder to slow CI).</summary>
    public TimeSpan CallbackQueryTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Updates kept per bot while undelivered; beyond it the oldest is dropped.</summary>
    public int MaxPendingUpdates { get; set; } = 10_000;

    /// <summary>Largest file one upload may carry (Telegram lets bots download up to 20 MB).</summary>
    public long MaxFileBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Bytes of files kept per bot; beyond it the oldest files are forgotten.</summary>
    public long MaxFileBytesPerBot { get; set; } = 200 * 1024 * 1024;
}
