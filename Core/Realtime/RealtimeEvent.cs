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

    /// <summary>Ephemeral types: never stored, not replayed (a <c>read</c>'s <see cref="Seq"/> is the seq read up to).</summary>
    public const string Typing = "typing";
    public const string Read = "read";

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

    /// <summary>Of a message: the uploaded attachments it carries (absent when none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Attachments.AttachmentDescriptor>? Attachments { get; init; }

    /// <summary>Of an ephemeral event: who (<c>visitor</c> or <c>agent</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; init; }

    /// <summary>Of an ephemeral event: the socket it came from, which does not get it back.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sender { get; init; }

    /// <summary>Whether the event is ephemeral (typing, read): never stored, never replayed.</summary>
    [JsonIgnore]
    public bool IsEphemeral => Type is Typing or Read;

    /// <summary>Whether the event is a stored one with its place in the conversation's sequence (it can be replayed).</summary>
    [JsonIgnore]
    public bool IsStored => !IsEphemeral && Seq is not null;
}

/// <summary>Redis channel names of the realtime fan-out.</summary>
public static class RealtimeChannels
{
    /// <summary>
    /// Every event of a tenant, the only realtime channel: hubs subscribe once per tenant they have sockets for and hand
    /// each event to the sockets of its conversation and the tenant's agent streams (ADR 0012).
    /// </summary>
    public static string Tenant(Guid tenantId) => $"omnichat:t:{tenantId:N}:events";
}
