namespace OmniChat.Core.Events;

/// <summary>Settings of the tenant event streams (<c>GET /v2/events</c>, <c>/v2/agents/ws</c>), section <c>EventStreams</c>.</summary>
public sealed class EventStreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "EventStreams";

    /// <summary>How often a tenant's reader looks for new events when Redis has not woken it (a lost publish, a late commit).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events a tenant's reader keeps in memory for its streams; a stream further behind reads PostgreSQL itself.</summary>
    public int BufferSize { get; set; } = 1024;

    /// <summary>Rows per read.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Open streams (SSE and agent sockets together) one tenant may hold across all instances.</summary>
    public int MaxPerTenant { get; set; } = 200;

    /// <summary>Open streams one API key may hold across all instances.</summary>
    public int MaxPerApiKey { get; set; } = 50;

    /// <summary>How long a stream's slot lives without being renewed (a crashed instance's slots free themselves).</summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromSeconds(90);
}
