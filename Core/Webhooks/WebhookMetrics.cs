using System.Diagnostics.Metrics;
using OmniChat.Core.Conversations;

namespace OmniChat.Core.Webhooks;

/// <summary>Outgoing webhook attempts by tenant and outcome: the failure rate an operator alerts on.</summary>
public static class WebhookMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OmniChat.Webhooks";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>("omnichat.webhooks.attempts", "{attempt}",
        "Webhook delivery attempts, by tenant and outcome (delivered: a 2xx answer; failed: any other answer or none)");

    /// <summary>One attempt of a delivery of <paramref name="tenantId"/> ended.</summary>
    public static void Attempted(Guid tenantId, bool delivered) =>
        Attempts.Add(1, ConversationMetrics.Tenant(tenantId), new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));
}
