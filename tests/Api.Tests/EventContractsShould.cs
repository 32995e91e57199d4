using System.Text.Json;
using OmniChat.Core;
using OmniChat.Core.Contracts;
using OmniChat.Core.Events;
using OmniChat.Core.Webhooks;

namespace OmniChat.Api.Tests;

/// <summary>
/// The live document describes what OmniChat sends outside request/response: every webhook body as the Workers build it
/// (<see cref="WebhookEvents"/>) and every Server-Sent Event's data as the outbox stores it (CoreJson) validate against
/// their schemas, and a body that leaves them is reported. (Real deliveries are checked in Workers.Tests, real streams in
/// V2EventStreamShould, real socket frames in Realtime.Tests.)
/// </summary>
public sealed class EventContractsShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Guid Tenant = Guid.CreateVersion7();
    private static readonly Guid Conversation = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 12, 3, 7, 0, 0, TimeSpan.FromHours(1));

    // Each contract, with the optional fields both present and absent.
    private static readonly IConversationEvent[] Samples =
    [
        new ConversationStarted(Guid.CreateVersion7(), Tenant, Conversation, At, "Ann", "de", "web"),
        new ConversationStarted(Guid.CreateVersion7(), Tenant, Conversation, At, null, null, "telegram"),
        new MessageAdded(Guid.CreateVersion7(), Tenant, Conversation, At, Guid.CreateVersion7(), 1, "INBOUND", "Hi", null, null),
        new MessageAdded(Guid.CreateVersion7(), Tenant, Conversation, At, Guid.CreateVersion7(), 2, "OUTBOUND", "Hello", "alice", Guid.NewGuid()),
        new MessageAdded(Guid.CreateVersion7(), Tenant, Conversation, At, Guid.CreateVersion7(), 3, "SYSTEM", "Closed", null, null, "conversation_closed"),
        new ConversationClaimed(Guid.CreateVersion7(), Tenant, Conversation, At, "alice", 4),
        new ConversationReleased(Guid.CreateVersion7(), Tenant, Conversation, At, "alice", 5),
        new ConversationReleased(Guid.CreateVersion7(), Tenant, Conversation, At, null, 6),
        new ConversationRenamed(Guid.CreateVersion7(), Tenant, Conversation, At, "Billing", 7),
        new ConversationClosed(Guid.CreateVersion7(), Tenant, Conversation, At, "alice", 8),
        new ConversationClosed(Guid.CreateVersion7(), Tenant, Conversation, At, null, 9),
    ];

    private static string ChannelFailed(string? error) => WebhookEvents.BuildChannelFailed(Guid.CreateVersion7(), Tenant, At,
        new ChannelFailedData("telegram", Guid.CreateVersion7(), "inactive: token revoked", error));

    [Fact]
    public async Task DescribeAWebhookForEveryEventASubscriptionCanAskFor()
    {
        var contract = await api.Contract.GetAsync(Ct);

        Assert.Equal(WebhookEvents.All.Order(StringComparer.Ordinal), contract.WebhookTypes.Order(StringComparer.Ordinal));
        Assert.Equal(WebhookEvents.All.Where(t => t is not (WebhookEvents.ChannelFailed or WebhookEvents.LimitReached)).Order(StringComparer.Ordinal),
            Samples.Select(e => WebhookEvents.Build(e).Type).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AcceptEveryWebhookBodyAsTheWorkersBuildIt()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var violations = Samples.Select(WebhookEvents.Build).SelectMany(w => contract.CheckWebhook(w.Type, w.Body, _ => true))
            .Concat(contract.CheckWebhook(WebhookEvents.ChannelFailed, ChannelFailed("Forbidden: bot was kicked"), _ => true))
            .Concat(contract.CheckWebhook(WebhookEvents.ChannelFailed, ChannelFailed(null), _ => true))
            .Concat(contract.CheckWebhook(WebhookEvents.LimitReached, WebhookEvents.BuildLimitReached(Guid.CreateVersion7(), Tenant, At,
                new LimitReachedData("conversationsPerMonth", "soft", 80, 100, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
                    new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero))), _ => true));

        Assert.Empty(violations);
    }

    [Fact]
    public async Task ReportAWebhookBodyWhoseFieldWasRenamed()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var webhook = WebhookEvents.Build(Samples[2]);

        var violations = contract.CheckWebhook(webhook.Type, webhook.Body.Replace("\"createdAt\"", "\"created\"", StringComparison.Ordinal), _ => true);

        Assert.Contains(violations, v => v.Contains("createdAt", StringComparison.Ordinal) && v.Contains("/data/message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAWebhookOfAnotherEventTypeThanItsBody()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var claimed = WebhookEvents.Build(Samples[5]);

        var violations = contract.CheckWebhook("conversation.renamed", claimed.Body, _ => true);

        Assert.Contains(violations, v => v.Contains("/type", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAWebhookWithoutItsSignatureHeaders()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var webhook = WebhookEvents.Build(Samples[0]);

        var violations = contract.CheckWebhook(webhook.Type, webhook.Body, header => header != WebhookSigning.SignatureHeader);

        Assert.Equal([$"webhook 'conversation.started': required header '{WebhookSigning.SignatureHeader}' is missing"], violations);
    }

    [Fact]
    public async Task AcceptEveryServerSentEventAsTheOutboxStoresIt()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var violations = Samples.SelectMany(e => contract.CheckServerSentEvent(TenantEventLog.WireType(e.GetType().Name),
            JsonSerializer.Serialize(e, CoreJson.Default.GetTypeInfo(e.GetType())!)));

        Assert.Empty(violations);
    }

    [Fact]
    public async Task ReportAServerSentEventWithAFieldOfTheWrongType()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var data = JsonSerializer.Serialize((MessageAdded)Samples[2], CoreJson.Default.MessageAdded).Replace("\"seq\":1", "\"seq\":\"1\"", StringComparison.Ordinal);

        var violations = contract.CheckServerSentEvent("message.added", data);

        Assert.Contains(violations, v => v.Contains("/seq", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAServerSentEventTypeItDoesNotDescribe()
    {
        var contract = await api.Contract.GetAsync(Ct);

        Assert.Equal(["server-sent event 'message.edited' is not in x-omnichat-events.serverSentEvents"],
            contract.CheckServerSentEvent("message.edited", "{}"));
    }
}
