using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OmniChat.Core;
using OmniChat.Core.Realtime;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// The exact JSON frames of each protocol (docs/realtime.md): the records of Core's <see cref="RealtimeFrames"/>, which the
/// OpenAPI document describes. v1 shapes are frozen: no key beyond the documented ones, optional keys only when they have a value.
/// </summary>
internal static class Frames
{
    /// <summary>The widget v1 frame of <paramref name="e"/>, or null when v1 has no frame for it.</summary>
    public static byte[]? V1(RealtimeEvent e) => e.Type switch
    {
        RealtimeEvent.Message => Write(new V1MessageFrame(e.Direction!, e.Text!, e.Agent), CoreJson.Default.V1MessageFrame),
        RealtimeEvent.AgentJoined => Write(new V1AgentJoinedFrame(RealtimeEvent.AgentJoined, e.Agent), CoreJson.Default.V1AgentJoinedFrame),
        RealtimeEvent.InfoNote => Write(new V1InfoNoteFrame(RealtimeEvent.InfoNote, e.Key, e.Text!), CoreJson.Default.V1InfoNoteFrame),
        RealtimeEvent.ConversationClosed => Write(new V1ConversationClosedFrame(RealtimeEvent.ConversationClosed), CoreJson.Default.V1ConversationClosedFrame),
        _ => null,
    };

    /// <summary>The v2 frame of <paramref name="e"/>, or null for a type v2 does not carry.</summary>
    public static byte[]? V2(RealtimeEvent e) => e.Type switch
    {
        RealtimeEvent.Message => Write(new V2MessageFrame(RealtimeEvent.Message, e.Id.GetValueOrDefault(), e.Seq, e.Direction!, e.Text!, e.Agent, e.CreatedAt,
            e.Attachments is { Count: > 0 } ? e.Attachments : null),
            CoreJson.Default.V2MessageFrame),
        RealtimeEvent.InfoNote => Write(new V2InfoNoteFrame(RealtimeEvent.InfoNote, e.Id.GetValueOrDefault(), e.Seq, e.Key, e.Text!, e.CreatedAt),
            CoreJson.Default.V2InfoNoteFrame),
        RealtimeEvent.AgentJoined or RealtimeEvent.AgentLeft or RealtimeEvent.ConversationClosed or RealtimeEvent.ConversationRenamed =>
            Write(new V2ConversationFrame(e.Type, e.Seq, e.Agent, e.Name, e.CreatedAt), CoreJson.Default.V2ConversationFrame),
        RealtimeEvent.Typing => Write(new V2TypingFrame(RealtimeEvent.Typing, e.From!, e.Agent), CoreJson.Default.V2TypingFrame),
        RealtimeEvent.Read => Write(new V2ReadFrame(RealtimeEvent.Read, e.Seq, e.From!), CoreJson.Default.V2ReadFrame),
        _ => null,
    };

    /// <summary>An agent-stream frame: one domain event with its resume cursor.</summary>
    public static byte[] AgentEvent(string cursor, string eventType, string payloadJson)
    {
        using var data = JsonDocument.Parse(payloadJson);
        return Write(new AgentEventFrame(RealtimeFrames.Event, cursor, eventType, data.RootElement), CoreJson.Default.AgentEventFrame);
    }

    /// <summary>First frame of an agent stream: where it starts (resume from here to miss nothing).</summary>
    public static byte[] AgentReady(string cursor) => Write(new AgentReadyFrame(RealtimeFrames.Ready, cursor), CoreJson.Default.AgentReadyFrame);

    /// <summary>A visitor's typing or read signal on an agent stream.</summary>
    public static byte[] AgentEphemeral(RealtimeEvent e) =>
        Write(new AgentEphemeralFrame(e.Type, e.ConversationId, e.From, e.Seq), CoreJson.Default.AgentEphemeralFrame);

    /// <summary>An answer to a client frame the hub could not use.</summary>
    public static byte[] Error(string code, string detail) => Write(new HubErrorFrame(RealtimeFrames.Error, code, detail), CoreJson.Default.HubErrorFrame);

    private static byte[] Write<TFrame>(TFrame frame, JsonTypeInfo<TFrame> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(frame, typeInfo);
}

/// <summary>An event received from Redis, decoded once and framed at most once per protocol for all sockets of this instance.</summary>
internal sealed class LiveEvent(RealtimeEvent e)
{
    private readonly Lazy<byte[]?> _v1 = new(() => Frames.V1(e), LazyThreadSafetyMode.PublicationOnly);
    private readonly Lazy<byte[]?> _v2 = new(() => Frames.V2(e), LazyThreadSafetyMode.PublicationOnly);

    public RealtimeEvent Event => e;

    public byte[]? V1 => _v1.Value;

    public byte[]? V2 => _v2.Value;
}
