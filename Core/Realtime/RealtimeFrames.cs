using System.Text.Json;
using System.Text.Json.Serialization;
using OmniChat.Core.Contracts;

namespace OmniChat.Core.Realtime;

// The frames the realtime hub sends (docs/realtime.md). The hub serialises exactly these records (CoreJson), and the
// OpenAPI document's x-omnichat-events is generated from them: a frame and its documented schema cannot drift.
// v1 frames are frozen: no key beyond these, optional keys only when they have a value.

/// <summary>Widget v1 (<c>/ws</c>): a message (the v1 frame has no <c>type</c>).</summary>
public sealed record V1MessageFrame(string Direction, string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent);

/// <summary>Widget v1 (<c>/ws</c>): an agent took the conversation.</summary>
public sealed record V1AgentJoinedFrame(string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent);

/// <summary>Widget v1 (<c>/ws</c>): a system note (<c>key</c>: its template key).</summary>
public sealed record V1InfoNoteFrame(string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key, string Text);

/// <summary>Widget v1 (<c>/ws</c>): the conversation was closed.</summary>
public sealed record V1ConversationClosedFrame(string Type);

/// <summary>Widget v2 (<c>/v2/ws</c>): a message, with its place in the conversation (<c>seq</c>).</summary>
/// <remarks><c>attachments</c> only when the message carries uploaded files.</remarks>
public sealed record V2MessageFrame(string Type, Guid Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq, string Direction, string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Attachments.AttachmentDescriptor>? Attachments = null);

/// <summary>Widget v2 (<c>/v2/ws</c>): a system note.</summary>
public sealed record V2InfoNoteFrame(string Type, Guid Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key, string Text, DateTimeOffset CreatedAt);

/// <summary>Widget v2 (<c>/v2/ws</c>): a change of the conversation (agent joined or left, renamed, closed).</summary>
public sealed record V2ConversationFrame(string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name, DateTimeOffset CreatedAt);

/// <summary>Widget v2 (<c>/v2/ws</c>): the other side is typing (ephemeral, never replayed).</summary>
public sealed record V2TypingFrame(string Type, string From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent);

/// <summary>Widget v2 (<c>/v2/ws</c>): the other side read up to <c>seq</c> (ephemeral, never replayed).</summary>
public sealed record V2ReadFrame(string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq, string From);

/// <summary>Agent stream (<c>/v2/agents/ws</c>): the first frame, with the cursor the stream starts after.</summary>
public sealed record AgentReadyFrame(string Type, string Id);

/// <summary>
/// Agent stream (<c>/v2/agents/ws</c>): one domain event with its resume cursor (<c>id</c>), its wire type (<c>event</c>)
/// and its contract (<c>data</c>, as <c>GET /v2/events</c> sends it).
/// </summary>
public sealed record AgentEventFrame(string Type, string Id, string Event, JsonElement Data);

/// <summary>Agent stream (<c>/v2/agents/ws</c>): a visitor's typing or read signal (ephemeral, never replayed).</summary>
public sealed record AgentEphemeralFrame(string Type, Guid ConversationId, string? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq);

/// <summary>Any socket: the answer to a client frame the hub could not use (<c>invalid_frame</c>, <c>invalid_cursor</c>).</summary>
public sealed record HubErrorFrame(string Type, string Code, string Detail);

/// <summary>A frame a client may send (v2 widget: <c>resume</c> with <c>afterSeq</c>, <c>typing</c>, <c>read</c> with <c>seq</c>; agent stream: <c>resume</c> with <c>after</c>).</summary>
public sealed record RealtimeClientFrame(string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AfterSeq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? After);

/// <summary>One documented frame: on which socket, its <c>type</c> value (null: the frame has none) and its record.</summary>
public sealed record RealtimeFrameKind(string Socket, string? Type, Type Frame, string Summary);

/// <summary>Every frame each socket sends, as the OpenAPI document describes them (<c>x-omnichat-events</c>).</summary>
public static class RealtimeFrames
{
    public const string V1Socket = "/ws";
    public const string V2Socket = "/v2/ws";
    public const string AgentSocket = "/v2/agents/ws";
    public const string Error = "error";
    public const string Ready = "ready";
    public const string Event = "event";

    public static readonly IReadOnlyList<RealtimeFrameKind> All =
    [
        new(V1Socket, null, typeof(V1MessageFrame), "A message (no `type` key in v1)."),
        new(V1Socket, RealtimeEvent.AgentJoined, typeof(V1AgentJoinedFrame), "An agent took the conversation."),
        new(V1Socket, RealtimeEvent.InfoNote, typeof(V1InfoNoteFrame), "A system note."),
        new(V1Socket, RealtimeEvent.ConversationClosed, typeof(V1ConversationClosedFrame), "The conversation was closed."),
        new(V2Socket, RealtimeEvent.Message, typeof(V2MessageFrame), "A message."),
        new(V2Socket, RealtimeEvent.InfoNote, typeof(V2InfoNoteFrame), "A system note."),
        new(V2Socket, RealtimeEvent.AgentJoined, typeof(V2ConversationFrame), "An agent took the conversation."),
        new(V2Socket, RealtimeEvent.AgentLeft, typeof(V2ConversationFrame), "The agent released the conversation."),
        new(V2Socket, RealtimeEvent.ConversationRenamed, typeof(V2ConversationFrame), "The conversation was renamed."),
        new(V2Socket, RealtimeEvent.ConversationClosed, typeof(V2ConversationFrame), "The conversation was closed."),
        new(V2Socket, RealtimeEvent.Typing, typeof(V2TypingFrame), "The other side is typing (ephemeral)."),
        new(V2Socket, RealtimeEvent.Read, typeof(V2ReadFrame), "The other side read up to `seq` (ephemeral)."),
        new(V2Socket, Error, typeof(HubErrorFrame), "A client frame the hub could not use."),
        new(AgentSocket, Ready, typeof(AgentReadyFrame), "The first frame: the stream starts after `id`."),
        new(AgentSocket, Event, typeof(AgentEventFrame), "A domain event; `data` is the contract named by `event`."),
        new(AgentSocket, RealtimeEvent.Typing, typeof(AgentEphemeralFrame), "A visitor is typing (ephemeral)."),
        new(AgentSocket, RealtimeEvent.Read, typeof(AgentEphemeralFrame), "A visitor read up to `seq` (ephemeral)."),
        new(AgentSocket, Error, typeof(HubErrorFrame), "A client frame the hub could not use."),
    ];

    /// <summary>The contracts an agent <c>event</c> frame (and a Server-Sent Event) may carry.</summary>
    public static IReadOnlyList<Type> EventContracts => ConversationEventContracts.All;
}
