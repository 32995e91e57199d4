using System.Text.Json;
using System.Text.Json.Serialization;
using OmniChat.Core.Contracts;
using OmniChat.Core.Realtime;
using OmniChat.Core.Webhooks;

namespace OmniChat.Core;

/// <summary>Source-generated JSON for what Core writes: outbox payloads and realtime events (camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RealtimeEvent))]
[JsonSerializable(typeof(IReadOnlyList<OmniChat.Core.Attachments.AttachmentDescriptor>))]
[JsonSerializable(typeof(RealtimeTicketGrant))]
[JsonSerializable(typeof(V1MessageFrame))]
[JsonSerializable(typeof(V1AgentJoinedFrame))]
[JsonSerializable(typeof(V1InfoNoteFrame))]
[JsonSerializable(typeof(V1ConversationClosedFrame))]
[JsonSerializable(typeof(V2MessageFrame))]
[JsonSerializable(typeof(V2InfoNoteFrame))]
[JsonSerializable(typeof(V2ConversationFrame))]
[JsonSerializable(typeof(V2TypingFrame))]
[JsonSerializable(typeof(V2ReadFrame))]
[JsonSerializable(typeof(AgentReadyFrame))]
[JsonSerializable(typeof(AgentEventFrame))]
[JsonSerializable(typeof(AgentEphemeralFrame))]
[JsonSerializable(typeof(HubErrorFrame))]
[JsonSerializable(typeof(ConversationStarted))]
[JsonSerializable(typeof(MessageAdded))]
[JsonSerializable(typeof(ConversationClaimed))]
[JsonSerializable(typeof(ConversationReleased))]
[JsonSerializable(typeof(ConversationClosed))]
[JsonSerializable(typeof(ConversationRenamed))]
[JsonSerializable(typeof(OmniChat.Core.Webhooks.ChannelFailedData))]
[JsonSerializable(typeof(OmniChat.Core.Webhooks.LimitReachedData))]
[JsonSerializable(typeof(OmniChat.Core.Tenancy.LimitOverrides))]
[JsonSerializable(typeof(WebhookDelivery<ConversationStartedData>))]
[JsonSerializable(typeof(WebhookDelivery<MessageAddedData>))]
[JsonSerializable(typeof(WebhookDelivery<ConversationClaimedData>))]
[JsonSerializable(typeof(WebhookDelivery<ConversationReleasedData>))]
[JsonSerializable(typeof(WebhookDelivery<ConversationRenamedData>))]
[JsonSerializable(typeof(WebhookDelivery<ConversationClosedData>))]
[JsonSerializable(typeof(WebhookDelivery<ChannelFailedData>))]
[JsonSerializable(typeof(WebhookDelivery<LimitReachedData>))]
public sealed partial class CoreJson : JsonSerializerContext;
