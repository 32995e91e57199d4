using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OmniChat.Core.Contracts;
using OmniChat.Core.Events;

namespace OmniChat.Core.Webhooks;

/// <summary>The webhook form of a domain event: its wire name, ordering seq and the exact delivery body.</summary>
public sealed record WebhookEvent(string Type, long Seq, string Body);

/// <summary>
/// Builds delivery bodies: a <see cref="WebhookDelivery{TData}"/> of the event's data record (<see cref="Payloads"/>), so
/// what is sent and what the OpenAPI document's <c>webhooks</c> describe are the same C# types.
/// </summary>
public static class WebhookEvents
{
    /// <summary>A channel stopped working (Telegram revoked the bot's token, the bot left the support group).</summary>
    public const string ChannelFailed = "channel.failed";

    /// <summary>A tenant reached the soft share or the hard limit of a metered plan limit this period (once per level).</summary>
    public const string LimitReached = "limit.reached";

    /// <summary>Every event a subscription can ask for, in reference order, with the type of its delivery body.</summary>
    public static readonly IReadOnlyList<(string Type, Type Body, string Summary)> Payloads =
    [
        ("conversation.started", typeof(WebhookDelivery<ConversationStartedData>), "A conversation was started."),
        ("message.added", typeof(WebhookDelivery<MessageAddedData>), "A message was added to a conversation (visitor, agent or system)."),
        ("conversation.claimed", typeof(WebhookDelivery<ConversationClaimedData>), "An agent claimed a conversation."),
        ("conversation.released", typeof(WebhookDelivery<ConversationReleasedData>), "A claimed conversation was released."),
        ("conversation.renamed", typeof(WebhookDelivery<ConversationRenamedData>), "A conversation was renamed."),
        ("conversation.closed", typeof(WebhookDelivery<ConversationClosedData>), "A conversation was closed."),
        (ChannelFailed, typeof(WebhookDelivery<ChannelFailedData>), "A channel stopped working; nothing is retried until the tenant reconnects it."),
        (LimitReached, typeof(WebhookDelivery<LimitReachedData>),
            "The tenant reached a share of a plan limit this period: `soft` (the warning share, 80 % by default) or `hard` (the limit: new conversations are refused with 402 `limit_exceeded` until `resetsAt`). Sent once per limit, level and period."),
    ];

    /// <summary>Every event name a subscription can ask for.</summary>
    public static readonly IReadOnlyList<string> All = [.. Payloads.Select(p => p.Type)];

    /// <summary>The body of a <c>channel.failed</c> delivery (same envelope as the conversation events).</summary>
    public static string BuildChannelFailed(Guid eventId, Guid tenantId, DateTimeOffset occurredAt, ChannelFailedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Serialize(new WebhookDelivery<ChannelFailedData>(eventId, ChannelFailed, tenantId, occurredAt, data));
    }

    /// <summary>The body of a <c>limit.reached</c> delivery (same envelope as the conversation events).</summary>
    public static string BuildLimitReached(Guid eventId, Guid tenantId, DateTimeOffset occurredAt, LimitReachedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Serialize(new WebhookDelivery<LimitReachedData>(eventId, LimitReached, tenantId, occurredAt, data));
    }

    public static WebhookEvent Build(IConversationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var type = TenantEventLog.WireType(e.GetType().Name);
        var (seq, body) = e switch
        {
            ConversationStarted s => (0L, Body(s, type, new ConversationStartedData(s.ConversationId, s.Name, s.Locale, s.Channel))),
            MessageAdded m => (m.Seq, Body(m, type, new MessageAddedData(m.ConversationId,
                new WebhookMessage(m.MessageId, m.Seq, m.Direction, m.Text, m.Agent, m.OccurredAt, m.Attachments is { Count: > 0 } files ? files : null)))),
            ConversationClaimed c => (c.Seq, Body(c, type, new ConversationClaimedData(c.ConversationId, c.Agent, c.Seq))),
            ConversationReleased r => (r.Seq, Body(r, type, new ConversationReleasedData(r.ConversationId, r.Agent, r.Seq))),
            ConversationRenamed n => (n.Seq, Body(n, type, new ConversationRenamedData(n.ConversationId, n.Name, n.Seq))),
            ConversationClosed c => (c.Seq, Body(c, type, new ConversationClosedData(c.ConversationId, c.ClosedBy, c.Seq))),
            _ => throw new ArgumentException($"No webhook event for {e.GetType().Name}.", nameof(e)),
        };
        return new WebhookEvent(type, seq, body);
    }

    private static string Body<TData>(IConversationEvent e, string type, TData data) =>
        Serialize(new WebhookDelivery<TData>(e.EventId, type, e.TenantId, e.OccurredAt, data));

    private static string Serialize<TData>(WebhookDelivery<TData> delivery) =>
        JsonSerializer.Serialize(delivery, (JsonTypeInfo<WebhookDelivery<TData>>)CoreJson.Default.GetTypeInfo(typeof(WebhookDelivery<TData>))!);
}

/// <summary>
/// <c>channel.failed</c>: which channel stopped, its status as <c>GET /v2/channels/…</c> shows it (<c>inactive: token
/// revoked</c>, …) and Telegram's last error. Nothing is retried until the tenant reconnects the channel.
/// </summary>
public sealed record ChannelFailedData(string Channel, Guid ChannelId, string Status, string? Error);

/// <summary>
/// <c>limit.reached</c>: which limit (<c>conversationsPerMonth</c>, <c>messagesPerMonth</c>), the threshold reached
/// (<c>soft</c> or <c>hard</c>), the usage then and the limit, and the billing period (UTC) it counts in.
/// </summary>
public sealed record LimitReachedData(string Limit, string Level, long Used, long Max, DateTimeOffset PeriodStart, DateTimeOffset ResetsAt);
