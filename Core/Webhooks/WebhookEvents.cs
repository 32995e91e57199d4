using System.Text.Json;
using System.Text.Json.Nodes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Events;

namespace OmniChat.Core.Webhooks;

/// <summary>The webhook form of a domain event: its wire name, ordering seq and the exact delivery body.</summary>
public sealed record WebhookEvent(string Type, long Seq, string Body);

/// <summary>
/// Builds delivery bodies: <c>{"id","type","tenantId","occurredAt","data"}</c>. For <c>message.added</c>, <c>data</c> is the
/// conversation id and the message as the API returns it; for the other events, the conversation id and the event's
/// own fields.
/// </summary>
public static class WebhookEvents
{
    /// <summary>Every event name a subscription can ask for.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "conversation.started", "message.added", "conversation.claimed", "conversation.released", "conversation.renamed", "conversation.closed",
        ChannelFailed,
    ];

    /// <summary>A channel stopped working (Telegram revoked the bot's token, the bot left the support group).</summary>
    public const string ChannelFailed = "channel.failed";

    /// <summary>The body of a <c>channel.failed</c> delivery (same envelope as the conversation events).</summary>
    public static string BuildChannelFailed(Guid eventId, Guid tenantId, DateTimeOffset occurredAt, ChannelFailedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var body = new JsonObject
        {
            ["id"] = eventId,
            ["type"] = ChannelFailed,
            ["tenantId"] = tenantId,
            ["occurredAt"] = occurredAt,
            ["data"] = JsonSerializer.SerializeToNode(data, CoreJson.Default.ChannelFailedData),
        };
        return body.ToJsonString();
    }

    private static readonly string[] Envelope = ["eventId", "tenantId", "occurredAt", "conversationId"];

    public static WebhookEvent Build(IConversationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var type = TenantEventLog.WireType(e.GetType().Name);
        JsonObject data;
        long seq;
        if (e is MessageAdded m)
        {
            seq = m.Seq;
            var message = new JsonObject
            {
                ["id"] = m.MessageId,
                ["seq"] = m.Seq,
                ["direction"] = m.Direction,
                ["text"] = m.Text,
            };
            if (m.Agent is not null)
            {
                message["agent"] = m.Agent;
            }
            message["createdAt"] = m.OccurredAt;
            data = new JsonObject { ["conversationId"] = m.ConversationId, ["message"] = message };
        }
        else
        {
            var contract = (JsonObject)JsonSerializer.SerializeToNode(e, e.GetType(), CoreJson.Default)!;
            seq = contract["seq"]?.GetValue<long>() ?? 0;
            data = new JsonObject { ["conversationId"] = e.ConversationId };
            foreach (var (name, value) in contract.ToList())
            {
                if (!Envelope.Contains(name))
                {
                    contract.Remove(name);
                    data[name] = value;
                }
            }
        }
        var body = new JsonObject
        {
            ["id"] = e.EventId,
            ["type"] = type,
            ["tenantId"] = e.TenantId,
            ["occurredAt"] = e.OccurredAt,
            ["data"] = data,
        };
        return new WebhookEvent(type, seq, body.ToJsonString());
    }
}

/// <summary>
/// <c>channel.failed</c>: which channel stopped, its status as <c>GET /v2/channels/…</c> shows it (<c>inactive: token
/// revoked</c>, …) and Telegram's last error. Nothing is retried until the tenant reconnects the channel.
/// </summary>
public sealed record ChannelFailedData(string Channel, Guid ChannelId, string Status, string? Error);
