using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OmniChat.Core.Events;
using StackExchange.Redis;

namespace OmniChat.Realtime.Tests;

/// <summary>The caps on open event streams (SSE and agent sockets), per tenant and per API key, in the fixture's Redis.</summary>
public sealed class EventStreamSlotsShould(RealtimeFixture hub)
{
    private static EventStreamSlots Slots(IConnectionMultiplexer redis, TimeProvider time) => new(redis,
        Options.Create(new EventStreamOptions { MaxPerTenant = 2, MaxPerApiKey = 1, SlotLease = TimeSpan.FromMinutes(1) }), time,
        NullLogger<EventStreamSlots>.Instance);

    [Fact]
    public async Task RefuseTheTenantsStreamsBeyondItsCapAndFreeASlotWhenAStreamCloses()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var slots = Slots(redis, TimeProvider.System);
        var tenant = Guid.NewGuid();

        var (first, _) = await slots.TryAcquireAsync(tenant, null);
        var (second, _) = await slots.TryAcquireAsync(tenant, null);
        var (third, refusal) = await slots.TryAcquireAsync(tenant, null);
        var (otherTenant, _) = await slots.TryAcquireAsync(Guid.NewGuid(), null);
        await first!.DisposeAsync();
        var (afterClose, _) = await slots.TryAcquireAsync(tenant, null);

        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal(EventStreamRefusal.TenantFull, refusal);
        Assert.NotNull(otherTenant);
        Assert.NotNull(afterClose);
        await second!.DisposeAsync();
        await otherTenant!.DisposeAsync();
        await afterClose!.DisposeAsync();
    }

    [Fact]
    public async Task RefuseAKeysStreamsBeyondItsCapWhileOtherKeysOfTheTenantStillOpen()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var slots = Slots(redis, TimeProvider.System);
        var tenant = Guid.NewGuid();

        var (first, _) = await slots.TryAcquireAsync(tenant, "key-a");
        var (second, refusal) = await slots.TryAcquireAsync(tenant, "key-a");
        var (otherKey, _) = await slots.TryAcquireAsync(tenant, "key-b");

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal(EventStreamRefusal.ApiKeyFull, refusal);
        Assert.NotNull(otherKey);
        await first!.DisposeAsync();
        await otherKey!.DisposeAsync();
    }

    [Fact]
    public async Task FreeTheSlotsOfAnInstanceThatStoppedRenewingThemOnceTheirLeaseLapses()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(hub.App.RedisConnectionString);
        var now = DateTimeOffset.UtcNow;
        // The crashed instance's clock never moves, so its slots are never renewed (nor released): as if it had died.
        var crashed = Slots(redis, new FakeTimeProvider(now));
        var tenant = Guid.NewGuid();
        await crashed.TryAcquireAsync(tenant, null);
        await crashed.TryAcquireAsync(tenant, null);

        var (whileHeld, refusal) = await crashed.TryAcquireAsync(tenant, null);
        // Another instance, two minutes later: past the one-minute lease.
        var (afterLapse, _) = await Slots(redis, new FakeTimeProvider(now + TimeSpan.FromMinutes(2))).TryAcquireAsync(tenant, null);

        Assert.Null(whileHeld);
        Assert.Equal(EventStreamRefusal.TenantFull, refusal);
        Assert.NotNull(afterLapse);
    }
}
