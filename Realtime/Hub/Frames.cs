using System.Buffers;
using System.Text.Json;
using OmniChat.Core.Realtime;

namespace OmniChat.Realtime.Hub;

/// <summary>
/// The exact JSON frames of each protocol (docs/realtime.md). v1 shapes are frozen: no key beyond the documented ones,
/// optional keys only when they have a value.
/// </summary>
internal static class Frames
{
    /// <summary>The widget v1 frame of <paramref name="e"/>, or null when v1 has no frame for it.</summary>
    public static byte[]? V1(RealtimeEvent e) => e.Type switch
    {
        RealtimeEvent.Message => Write(w =>
        {
            w.WriteString("direction", e.Direction);
            w.WriteString("text", e.Text);
            WriteIfPresent(w, "agent", e.Agent);
        }),
        RealtimeEvent.AgentJoined => Write(w =>
        {
            w.WriteString("type", "agent_joined");
            WriteIfPresent(w, "agent", e.Agent);
        }),
        RealtimeEvent.InfoNote => Write(w =>
        {
            w.WriteString("type", "info_note");
            WriteIfPresent(w, "key", e.Key);
            w.WriteString("text", e.Text);
        }),
        RealtimeEvent.ConversationClosed => Write(w => w.WriteString("type", "conversation_closed")),
        _ => null,
    };

    /// <summary>The v2 frame of <paramref name="e"/>, or null for a type v2 does not carry.</summary>
    public static byte[]? V2(RealtimeEvent e) => e.Type switch
    {
        RealtimeEvent.Message => Write(w =>
        {
            w.WriteString("type", "message");
            w.WriteString("id", e.Id.GetValueOrDefault());
            WriteSeq(w, e);
            w.WriteString("direction", e.Direction);
            w.WriteString("text", e.Text);
            WriteIfPresent(w, "agent", e.Agent);
            w.WriteString("createdAt", e.CreatedAt);
        }),
        RealtimeEvent.InfoNote => Write(w =>
        {
            w.WriteString("type", "info_note");
            w.WriteString("id", e.Id.GetValueOrDefault());
            WriteSeq(w, e);
            WriteIfPresent(w, "key", e.Key);
            w.WriteString("text", e.Text);
            w.WriteString("createdAt", e.CreatedAt);
        }),
        RealtimeEvent.AgentJoined or RealtimeEvent.AgentLeft or RealtimeEvent.ConversationClosed or RealtimeEvent.ConversationRenamed => Write(w =>
        {
            w.WriteString("type", e.Type);
            WriteSeq(w, e);
            WriteIfPresent(w, "agent", e.Agent);
            WriteIfPresent(w, "name", e.Name);
            w.WriteString("createdAt", e.CreatedAt);
        }),
        RealtimeEvent.Typing => Write(w =>
        {
            w.WriteString("type", "typing");
            w.WriteString("from", e.From);
            WriteIfPresent(w, "agent", e.Agent);
        }),
        RealtimeEvent.Read => Write(w =>
        {
            w.WriteString("type", "read");
            WriteSeq(w, e);
            w.WriteString("from", e.From);
        }),
        _ => null,
    };

    /// <summary>An agent-stream frame: one domain event with its resume cursor.</summary>
    public static byte[] AgentEvent(string cursor, string eventType, string payloadJson) => Write(w =>
    {
        w.WriteString("type", "event");
        w.WriteString("id", cursor);
        w.WriteString("event", eventType);
        w.WritePropertyName("data");
        w.WriteRawValue(payloadJson, skipInputValidation: true);
    });

    /// <summary>First frame of an agent stream: where it starts (resume from here to miss nothing).</summary>
    public static byte[] AgentReady(string cursor) => Write(w =>
    {
        w.WriteString("type", "ready");
        w.WriteString("id", cursor);
    });

    /// <summary>An answer to a client frame the hub could not use.</summary>
    public static byte[] Error(string code, string detail) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("code", code);
        w.WriteString("detail", detail);
    });

    private static void WriteSeq(Utf8JsonWriter w, RealtimeEvent e)
    {
        if (e.Seq is { } seq)
        {
            w.WriteNumber("seq", seq);
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
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
