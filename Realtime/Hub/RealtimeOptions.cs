namespace OmniChat.Realtime.Hub;

/// <summary>Limits and policy of the hub (section <c>Realtime</c>).</summary>
public sealed class RealtimeOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Realtime";

    /// <summary>Largest client frame; a bigger one closes the socket with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Open sockets per conversation on one instance; one more is closed with 1008.</summary>
    public int MaxConnectionsPerConversation { get; set; } = 20;

    /// <summary>Open sockets per client IP on one instance; one more is closed with 1008.</summary>
    public int MaxConnectionsPerIp { get; set; } = 500;

    /// <summary>Frames waiting to be sent to one socket; a consumer this far behind is evicted (close 1013, reconnect and resume).</summary>
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Interval of WebSocket pings.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>A peer that does not answer a ping within this time is dropped.</summary>
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Origins allowed on the v1 path <c>/ws</c> (the <c>default</c> tenant). Empty: same origin only, any in Development.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Accept visitor sockets in Kestrel's connection middleware, without HTTP request state (ADR 0014). Off: every
    /// handshake goes through the ASP.NET Core endpoints (same checks, more memory per socket).
    /// </summary>
    public bool AcceptAtConnectionLevel { get; set; } = true;

    /// <summary>
    /// Least time between two <c>typing</c> signals of one socket that reach Redis; one sooner is held until then, the
    /// latest replacing it (<see cref="ClientSignalThrottle{T}"/>). Zero: no limit.
    /// </summary>
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Least time between two <c>read</c> receipts of one socket that reach Redis; the latest held one follows.</summary>
    public TimeSpan ReadInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Least time between two replays a socket asks for (<c>resume</c> frames and <c>afterSeq</c> in the URL); a sooner
    /// one is held and the latest runs when the interval ends.
    /// </summary>
    public TimeSpan ResumeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Stored events read per query while replaying.</summary>
    public int ReplayPageSize { get; set; } = 200;
}
