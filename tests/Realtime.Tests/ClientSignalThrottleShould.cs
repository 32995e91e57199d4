using Microsoft.Extensions.Time.Testing;
using OmniChat.Realtime.Hub;

namespace OmniChat.Realtime.Tests;

/// <summary>The one limit on a socket's typing, read and resume signals: one now, then at most one per interval, the last word kept.</summary>
public sealed class ClientSignalThrottleShould
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [Fact]
    public void PassTheFirstSignalAndHoldTheLatestOfABurstUntilTheIntervalEnds()
    {
        var clock = new FakeTimeProvider();
        var released = new List<long>();
        using var throttle = new ClientSignalThrottle<long>(Interval, clock, released.Add);

        var passed = Enumerable.Range(1, 5).Select(seq => throttle.TryPass(seq)).ToList();
        clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        var releasedEarly = released.Count;
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([true, false, false, false, false], passed);
        Assert.Equal(0, releasedEarly);
        Assert.Equal([5L], released);
    }

    [Fact]
    public void CountTheIntervalFromTheReleasedSignal()
    {
        var clock = new FakeTimeProvider();
        var released = new List<long>();
        using var throttle = new ClientSignalThrottle<long>(Interval, clock, released.Add);
        throttle.TryPass(1);
        throttle.TryPass(2);
        clock.Advance(Interval);

        var right = throttle.TryPass(3);
        clock.Advance(Interval);
        clock.Advance(Interval);
        var later = throttle.TryPass(4);

        Assert.False(right);
        Assert.Equal([2L, 3L], released);
        Assert.True(later);
    }

    [Fact]
    public void DropWhatIsHeldOnceDisposed()
    {
        var clock = new FakeTimeProvider();
        var released = new List<long>();
        var throttle = new ClientSignalThrottle<long>(Interval, clock, released.Add);
        throttle.TryPass(1);
        throttle.TryPass(2);

        throttle.Dispose();
        clock.Advance(Interval);

        Assert.Empty(released);
    }

    [Fact]
    public void PassEverySignalWithAZeroInterval()
    {
        var clock = new FakeTimeProvider();
        using var throttle = new ClientSignalThrottle<long>(TimeSpan.Zero, clock, _ => { });

        Assert.All(Enumerable.Range(1, 5), seq => Assert.True(throttle.TryPass(seq)));
    }
}
