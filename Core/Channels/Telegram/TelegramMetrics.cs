using System.Diagnostics.Metrics;
using OmniChat.Core.Conversations;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>
/// The Telegram instruments, one meter for every service that talks to Telegram (the Api takes webhooks, the Workers send
/// and process updates). Only failures carry the tenant: they are what an operator alerts on per tenant.
/// </summary>
public static class TelegramMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OmniChat.Telegram";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Sent = Meter.CreateCounter<long>("omnichat.telegram.sent", "{call}", "Bot API calls that succeeded");

    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("omnichat.telegram.failed", "{call}",
        "Bot API calls that failed for good, by tenant and failure");

    internal static readonly Counter<long> Throttled = Meter.CreateCounter<long>("omnichat.telegram.throttled", "{call}", "429 answers from the Bot API");

    internal static readonly Counter<long> UpdatesReceived = Meter.CreateCounter<long>("omnichat.telegram.updates.received", "{update}",
        "Telegram updates stored, by kind");

    internal static readonly Counter<long> UpdatesDuplicate = Meter.CreateCounter<long>("omnichat.telegram.updates.duplicate", "{update}",
        "Telegram updates received again and ignored");

    private static readonly Counter<long> WebhookRejected = Meter.CreateCounter<long>("omnichat.telegram.webhook.rejected", "{request}",
        "Webhook requests refused for a missing or wrong secret");

    /// <summary>A Bot API call of <paramref name="tenantId"/>'s bot failed for good.</summary>
    public static void SendFailed(Guid tenantId, TelegramFailure failure) =>
        Failed.Add(1, ConversationMetrics.Tenant(tenantId), new KeyValuePair<string, object?>("failure", failure.ToString()));

    /// <summary>A webhook request came without the channel's secret (no tenant: the request proved none).</summary>
    public static void WebhookRequestRejected() => WebhookRejected.Add(1);
}
