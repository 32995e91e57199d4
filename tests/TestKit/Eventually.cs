using Xunit;

namespace OmniChat.TestKit;

/// <summary>Waiting on a condition instead of sleeping: a test goes on the moment it holds and fails when it never does.</summary>
public static class Eventually
{
    /// <summary>Generous for a shared 2-core machine; only a test that is going to fail waits this long.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Checks <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> after
    /// <paramref name="timeout"/>. Between checks it pauses a little so as not to hammer what it asks (the pause is not
    /// what the test relies on: the condition is).
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var limit = timeout ?? DefaultTimeout;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Still not true after {limit.TotalSeconds:0} s: {what}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, string, TimeSpan?)"/>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, timeout);
}
