using System.Text;
using OmniChat.Core.Realtime;
using OmniChat.TestKit.Contract;
using HubFrames = OmniChat.Realtime.Hub.Frames;

namespace OmniChat.Realtime.Tests;

/// <summary>
/// Every frame the hub can send, framed by the hub's own code (<see cref="HubFrames"/>) from the events it gets, validates
/// against its schema in the Api's document (x-omnichat-events.webSockets), and a frame that leaves it is reported.
/// The journeys of this suite check the frames they read the same way (<see cref="Frames.ReceiveAsync"/>).
/// </summary>
public sealed class FrameContractShould(RealtimeFixture hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Guid Tenant = Guid.CreateVersion7();
    private static readonly Guid Conversation = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

    private static RealtimeEvent Event(string type) => new(type, Tenant, Conversation, At);

    // Each event type the hub frames, with its optional fields both set and unset.
    private static readonly RealtimeEvent[] Events =
    [
        Event(RealtimeEvent.Message) with { Id = Guid.CreateVersion7(), Seq = 1, Direction = "INBOUND", Text = "Hi" },
        Event(RealtimeEvent.Message) with { Id = Guid.CreateVersion7(), Seq = 2, Direction = "OUTBOUND", Text = "Hello", Agent = "alice" },
        Event(RealtimeEvent.InfoNote) with { Id = Guid.CreateVersion7(), Seq = 3, Text = "Alice joined", Key = "agent_joined" },
        Event(RealtimeEvent.InfoNote) with { Id = Guid.CreateVersion7(), Seq = 4, Text = "Note" },
        Event(RealtimeEvent.AgentJoined) with { Seq = 5, Agent = "alice" },
        Event(RealtimeEvent.AgentLeft) with { Seq = 6 },
        Event(RealtimeEvent.ConversationRenamed) with { Seq = 7, Name = "Billing" },
        Event(RealtimeEvent.ConversationClosed) with { Seq = 8, Agent = "alice" },
        Event(RealtimeEvent.ConversationStarted),
        Event(RealtimeEvent.Typing) with { From = "agent", Agent = "alice" },
        Event(RealtimeEvent.Typing) with { From = "visitor" },
        Event(RealtimeEvent.Read) with { From = "visitor", Seq = 8 },
    ];

    private static string Text(byte[] frame) => Encoding.UTF8.GetString(frame);

    private async Task<OpenApiContract> ContractAsync() => await hub.Contract.GetAsync(Ct);

    [Fact]
    public async Task DescribeEveryWidgetFrameTheHubSends()
    {
        var contract = await ContractAsync();

        var v1 = Events.Select(HubFrames.V1).OfType<byte[]>().Select(f => contract.CheckFrame(RealtimeFrames.V1Socket, Text(f)));
        var v2 = Events.Select(HubFrames.V2).OfType<byte[]>().Select(f => contract.CheckFrame(RealtimeFrames.V2Socket, Text(f)));

        Assert.Empty(v1.Concat(v2).SelectMany(v => v));
    }

    [Fact]
    public async Task DescribeEveryAgentStreamFrameTheHubSends()
    {
        var contract = await ContractAsync();
        var payload = """{"eventId":"0193a1b2-0000-7000-8000-000000000001","tenantId":"0193a1b2-0000-7000-8000-000000000002","conversationId":"0193a1b2-0000-7000-8000-000000000003","occurredAt":"2026-12-03T07:00:00+00:00","agent":"alice","seq":4}""";

        string[] frames =
        [
            Text(HubFrames.AgentReady("41")),
            Text(HubFrames.AgentEvent("42", "conversation.claimed", payload)),
            Text(HubFrames.AgentEphemeral(Event(RealtimeEvent.Typing) with { From = "visitor" })),
            Text(HubFrames.AgentEphemeral(Event(RealtimeEvent.Read) with { From = "visitor", Seq = 3 })),
            Text(HubFrames.Error("invalid_cursor", "Not an event id this stream sent.")),
        ];

        Assert.Empty(frames.SelectMany(f => contract.CheckFrame(RealtimeFrames.AgentSocket, f)));
        Assert.Empty(contract.CheckFrame(RealtimeFrames.V2Socket, Text(HubFrames.Error("invalid_frame", "Expected …"))));
    }

    [Fact]
    public async Task ReportAFrameWhoseFieldWasRenamed()
    {
        var contract = await ContractAsync();
        var frame = Text(HubFrames.V2(Events[0])!).Replace("\"createdAt\"", "\"created\"", StringComparison.Ordinal);

        var violations = contract.CheckFrame(RealtimeFrames.V2Socket, frame);

        Assert.Contains(violations, v => v.Contains("createdAt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAnAgentEventWhoseDataIsNoEventContract()
    {
        var contract = await ContractAsync();

        var violations = contract.CheckFrame(RealtimeFrames.AgentSocket, Text(HubFrames.AgentEvent("42", "conversation.claimed", """{"agent":"alice"}""")));

        Assert.Contains(violations, v => v.Contains("/data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAFrameTypeTheSocketDoesNotDescribe()
    {
        var contract = await ContractAsync();

        Assert.Equal(["/ws frame 'typing' is not in x-omnichat-events.webSockets"], contract.CheckFrame(RealtimeFrames.V1Socket, """{"type":"typing","from":"agent"}"""));
    }
}
