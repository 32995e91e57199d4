using System.Text.Json;
using System.Text.Json.Serialization;
using OmniChat.Core.Contracts;
using OmniChat.Core.Realtime;

namespace OmniChat.Core;

/// <summary>Source-generated JSON for what Core writes: outbox payloads and realtime events (camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RealtimeEvent))]
[JsonSerializable(typeof(RealtimeTicketGrant))]
[JsonSerializable(typeof(ConversationStarted))]
[JsonSerializable(typeof(MessageAdded))]
[JsonSerializable(typeof(ConversationClaimed))]
[JsonSerializable(typeof(ConversationReleased))]
[JsonSerializable(typeof(ConversationClosed))]
[JsonSerializable(typeof(ConversationRenamed))]
[JsonSerializable(typeof(OmniChat.Core.Webhooks.ChannelFailedData))]
public sealed partial class CoreJson : JsonSerializerContext;
