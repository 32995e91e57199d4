using System.Diagnostics.Metrics;
using OmniChat.Core.Messages;

namespace OmniChat.Core.Conversations;

/// <summary>
/// The conversation counters every writer records (the Api, the Workers for Telegram, the portal), after commit, with the
/// tenant as their one bounded label: never a conversation or a customer (docs/observability.md).
/// </summary>
public static class ConversationMetrics
{
    /// <summary>The meter's name (collected by the services' <c>OmniChat.*</c> rule).</summary>
    public const string MeterName = "OmniChat.Conversations";

    /// <summary>The tag that names the tenant (its id) on the few per-tenant instruments.</summary>
    public const string TenantTag = "tenant";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Started = Meter.CreateCounter<long>("omnichat.conversations.started", "{conversation}",
        "Conversations started, by tenant");

    private static readonly Counter<long> Messages = Meter.CreateCounter<long>("omnichat.messages", "{message}",
        "Visitor (inbound) and agent (outbound) messages written, by tenant and direction");

    // Minutes to a day: support answers are seconds at best and hours at worst.
    private static readonly Histogram<double> FirstResponse = Meter.CreateHistogram("omnichat.conversations.first_response", "s",
        "Seconds from a conversation's first unanswered visitor message to the first agent reply, by tenant",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400] });

    /// <summary>One conversation of <paramref name="tenantId"/> started.</summary>
    public static void ConversationStarted(Guid tenantId) => Started.Add(1, Tenant(tenantId));

    /// <summary>One message written; notes (<see cref="MessageDirection.System"/>) are not counted.</summary>
    public static void MessageWritten(Guid tenantId, MessageDirection direction)
    {
        if (direction == MessageDirection.System)
        {
            return;
        }
        Messages.Add(1, Tenant(tenantId), new KeyValuePair<string, object?>("direction", direction == MessageDirection.Inbound ? "in" : "out"));
    }

    /// <summary>The first agent reply of a conversation, <paramref name="seconds"/> after its first visitor message.</summary>
    public static void FirstResponseWritten(Guid tenantId, double seconds) => FirstResponse.Record(Math.Max(0, seconds), Tenant(tenantId));

    /// <summary>The <c>tenant</c> tag for <paramref name="tenantId"/>.</summary>
    public static KeyValuePair<string, object?> Tenant(Guid tenantId) => new(TenantTag, tenantId.ToString());
}
