using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core;
using OmniChat.Core.Realtime;
using OmniChat.Realtime.Hub;
using StackExchange.Redis;

namespace OmniChat.Realtime.Tests;

/// <summary>
/// The hub's fan-out over the fixture's real Redis: one subscription per tenant, routed to conversations locally. Each test
/// uses tenants of its own (random ids), so what runs beside it cannot publish on its channels.
/// </summary>
public sealed class RedisFanOutShould(RealtimeFixture hub)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HandEachEventOnlyToItsConversationsSocketsAndTheTenantsAgentsInOrder()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var fanOut = new RedisFanOut(redis, NullLogger<RedisFanOut>.Instance);
        var (tenant, otherTenant) = (Guid.NewGuid(), Guid.NewGuid());
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var (sinkA, sinkB, agent, otherAgent) = (new Sink(), new Sink(), new Sink(), new Sink());
        using var joinedA = await fanOut.JoinAsync(tenant, a, sinkA);
        using var joinedB = await fanOut.JoinAsync(tenant, b, sinkB);
        using var joinedAgent = await fanOut.JoinAsync(tenant, null, agent);
        using var joinedOther = await fanOut.JoinAsync(otherTenant, null, otherAgent);

        var publisher = redis.GetSubscriber();
        for (var seq = 1; seq <= 50; seq++)
        {
            await PublishAsync(publisher, tenant, seq % 2 == 0 ? b : a, $"{seq}");
        }
        // Published on this tenant's channel but naming another tenant: dropped, whoever listens.
        await publisher.PublishAsync(RedisChannel.Literal(RealtimeChannels.Tenant(tenant)),
            Payload(otherTenant, a, "forged"));
        await PublishAsync(publisher, otherTenant, a, "other tenant");
        await PublishAsync(publisher, tenant, a, "last");

        await agent.WaitForAsync("last");
        await sinkA.WaitForAsync("last");
        await otherAgent.WaitForAsync("other tenant");
        Assert.Equal([.. Enumerable.Range(1, 50).Where(i => i % 2 == 1).Select(i => $"{i}"), "last"], sinkA.Texts);
        Assert.Equal([.. Enumerable.Range(1, 50).Where(i => i % 2 == 0).Select(i => $"{i}")], sinkB.Texts);
        Assert.Equal([.. Enumerable.Range(1, 50).Select(i => $"{i}"), "last"], agent.Texts);
        Assert.Equal(["other tenant"], otherAgent.Texts);
    }

    [Fact]
    public async Task HoldOneSubscriptionPerTenantAndDropItWithTheLastSocket()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var fanOut = new RedisFanOut(redis, NullLogger<RedisFanOut>.Instance);
        var tenant = Guid.NewGuid();
        var channel = RedisChannel.Literal(RealtimeChannels.Tenant(tenant));
        var server = redis.GetServer(redis.GetEndPoints()[0]);

        var memberships = new List<IDisposable>();
        for (var i = 0; i < 20; i++)
        {
            memberships.Add(await fanOut.JoinAsync(tenant, i < 19 ? Guid.NewGuid() : null, new Sink()));
        }
        Assert.Equal(1, await SubscribersAsync(server, channel));

        foreach (var membership in memberships.Skip(1))
        {
            membership.Dispose();
        }
        var stayed = new Sink();
        using (await fanOut.JoinAsync(tenant, Guid.NewGuid(), stayed))
        {
            memberships[0].Dispose();
            Assert.Equal(1, await SubscribersAsync(server, channel));
        }

        // The unsubscribe is fire-and-forget: wait for Redis to see it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SubscribersAsync(server, channel) != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }
        Assert.Equal(0, await SubscribersAsync(server, channel));
    }

    private static async Task<long> SubscribersAsync(IServer server, RedisChannel channel) =>
        (long)(await server.ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))[1];

    private static Task<long> PublishAsync(ISubscriber publisher, Guid tenant, Guid conversation, string text) =>
        publisher.PublishAsync(RedisChannel.Literal(RealtimeChannels.Tenant(tenant)), Payload(tenant, conversation, text));

    private static string Payload(Guid tenant, Guid conversation, string text) =>
        JsonSerializer.Serialize(new RealtimeEvent(RealtimeEvent.Message, tenant, conversation, DateTimeOffset.UtcNow)
        {
            Direction = "INBOUND",
            Text = text,
        }, CoreJson.Default.RealtimeEvent);

    private sealed class Sink : IEventSink
    {
        private readonly Lock _lock = new();
        private readonly List<string> _texts = [];
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Texts
        {
            get
            {
                lock (_lock)
                {
                    return [.. _texts];
                }
            }
        }

        public void Deliver(LiveEvent liveEvent)
        {
            lock (_lock)
            {
                _texts.Add(liveEvent.Event.Text!);
                _next.TrySetResult();
                _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void CatchUp()
        {
        }

        public async Task WaitForAsync(string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                Task next;
                lock (_lock)
                {
                    if (_texts.Contains(text))
                    {
                        return;
                    }
                    next = _next.Task;
                }
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, $"'{text}' never arrived; got {string.Join(", ", Texts)}");
                await next.WaitAsync(left, Ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
