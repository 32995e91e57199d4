namespace OmniChat.Realtime.Tests;

/// <summary>
/// Redis restarted under live sockets: what was published while it was down is recovered from PostgreSQL. The restart
/// drops every Redis connection, so this runs alone, after the parallel tests (a test holding its own connection, like
/// <see cref="RedisFanOutShould"/>, would otherwise fail on the restart, not on what it checks).
/// </summary>
[Collection(RedisRestart.Name)]
public sealed class OutageShould(RealtimeFixture hub)
{
    [Fact]
    public async Task LoseNothingWhenRedisRestartsMidStream()
    {
        var (id, token) = await hub.StartV1ConversationAsync();
        var socket = await RealtimeFixture.ConnectV2Async(hub.FirstRealtime, await hub.WidgetTicketAsync(id, token));
        await socket.SendJsonAsync(new { type = "resume", afterSeq = 0 });
        for (var i = 1; i <= 5; i++)
        {
            await hub.PostVisitorMessageAsync(id, token, $"before {i}");
        }
        var before = await socket.ReceiveUntilAsync(f => f.GetProperty("seq").GetInt64() == 5);

        await hub.App.RestartRedisAsync(TestContext.Current.CancellationToken);
        // Messages keep being stored while the services reconnect; their publishes may be lost.
        var posted = 5;
        for (var attempt = 0; attempt < 100 && posted < 15; attempt++)
        {
            try
            {
                await hub.PostVisitorMessageAsync(id, token, $"after {posted + 1}");
                posted++;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
        var after = await socket.ReceiveUntilAsync(f => f.GetProperty("seq").GetInt64() == posted, seconds: 60);

        Assert.Equal(15, posted);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), before.Concat(after).Select(f => f.GetProperty("seq").GetInt64()));
        await socket.CloseQuietlyAsync();
    }
}

/// <summary>Tests that restart the shared Redis: never in parallel with anything else.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisRestart
{
    public const string Name = "Redis restart";
}
