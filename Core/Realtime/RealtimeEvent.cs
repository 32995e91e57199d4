using System.Text.Json.Serialization;

namespace OmniChat.Core.Realtime;

/// <summary>
/// What the write path publishes on Redis after commit, for the realtime hubs (see docs/realtime-channels.md).
/// The hub maps it to the exact frame shapes of widget v1 and v2.
/// </summary>
public sealed record RealtimeEvent(
    string Type,
    Guid TenantId,
    Guid ConversationId,
    DateTimeOffset CreatedAt)
{
    /// <summary>Event types.</summary>
    public const string Message = "message";
    public const string ConversationStarted = "conversation_started";
    public const string AgentJoined = "agent_joined";
    public const string AgentLeft = "agent_left";
    public const string ConversationRenamed = "conversation_renamed";
    public const string ConversationClosed = "conversation_closed";
    public const string InfoNote = "info_note";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? Id { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seq { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Direction { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Agent { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>The template key of an <see cref="InfoNote"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Key { get; init; }
}

/// <summary>Redis channel names of the realtime fan-out.</summary>
public static class RealtimeChannels
{
    /// <summary>Events of one conversation (visitor sockets subscribe here).</summary>
    public static string Conversation(Guid tenantId, Guid conversationId) => $"omnichat:t:{tenantId:N}:c:{conversationId:N}";

    /// <summary>Every event of a tenant (agent streams subscribe here).</summary>
    public static string Tenant(Guid tenantId) => $"omnichat:t:{tenantId:N}:events";
}
