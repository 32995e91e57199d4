using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniChat.Core;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.RateLimiting;
using OmniChat.TestKit;
using StackExchange.Redis;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.ReplyMarkups;

namespace OmniChat.Workers.Tests;

/// <summary>
/// The Telegram sender against the sandbox (the Bot API's HTTP contract with Telegram's flood limits on) and real Redis:
/// pacing, retry_after, backoff, failures that must not be retried, and per-tenant isolation.
/// </summary>
public sealed class TelegramSenderShould(WorkersFixture fixture) : IAsyncLifetime
{
    private static long _nextBotId = Random.Shared.NextInt64(1_000_000, 9_000_000) * 1000;
    private ConnectionMultiplexer _redis = null!;
    private readonly HttpClient _sandbox = new() { BaseAddress = fixture.App.ServiceUrls[ResourceNames.TelegramSandbox] };

    public async ValueTask InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString);

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        _sandbox.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Every test has bots of its own: the sandbox and the Redis buckets are shared by the fixture.
    private static TelegramBot NewBot(Guid? tenant = null) =>
        new(tenant ?? Guid.NewGuid(), $"{Interlocked.Increment(ref _nextBotId)}:AAH{Guid.NewGuid():N}");

    private TelegramSender Sender(Action<TelegramOptions>? configure = null, Uri? baseUrl = null, TimeProvider? time = null)
    {
        var options = new TelegramOptions
        {
            ApiBaseUrl = baseUrl ?? fixture.App.ServiceUrls[ResourceNames.TelegramSandbox],
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            RetryAfterFallback = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new TelegramSender(new RedisRateLimiter(_redis, NullLogger<RedisRateLimiter>.Instance), Options.Create(options), time ?? TimeProvider.System,
            NullLogger<TelegramSender>.Instance);
    }

    private async Task<JsonElement> StatsAsync(TelegramBot bot) =>
        await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{bot.Id}/stats", Ct);

    private async Task<List<JsonElement>> MessagesAsync(TelegramBot bot, long chatId) =>
        (await _sandbox.GetFromJsonAsync<List<JsonElement>>($"/sandbox/bots/{bot.Id}/chats/{chatId}/messages", Ct))!;

    private async Task InjectAsync(TelegramBot bot, object fault)
    {
        using var response = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{bot.Id}/faults", fault, Ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task OpenATopicAndPostIntoItSilentlyWithButtons()
    {
        using var sender = Sender();
        var bot = NewBot();
        const long group = -1001234567890;

        var topic = await sender.CreateForumTopicAsync(bot, group, "#a1b2 Ada", Ct);
        var buttons = new InlineKeyboardMarkup([[InlineKeyboardButton.WithCallbackData("Claim", "claim:a1b2"), InlineKeyboardButton.WithCallbackData("Close", "close:a1b2")]]);
        var sent = await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(group, "Hello from the widget", topic.MessageThreadId, Silent: true, buttons), Ct);

        Assert.Equal("#a1b2 Ada", topic.Name);
        Assert.Equal(topic.MessageThreadId, sent.MessageThreadId);
        Assert.Equal("Hello from the widget", sent.Text);
        var stored = (await MessagesAsync(bot, group)).Last();
        Assert.True(stored.GetProperty("silent").GetBoolean());
        Assert.Equal(topic.MessageThreadId, stored.GetProperty("threadId").GetInt32());
        Assert.Equal("claim:a1b2", stored.GetProperty("replyMarkup").GetProperty("inline_keyboard")[0][0].GetProperty("callback_data").GetString());
    }

    [Fact]
    public async Task PaceABurstAcrossChatsWithoutASingle429WhereUnpacedSendsAreRefused()
    {
        // Unpaced, straight through Telegram.Bot: the sandbox refuses part of the burst, as Telegram would.
        var unpacedBot = NewBot();
        using (var http = new HttpClient())
        {
            var raw = new TelegramBotClient(new TelegramBotClientOptions(unpacedBot.Token, fixture.App.ServiceUrls[ResourceNames.TelegramSandbox].ToString().TrimEnd('/'))
            {
                RetryCount = 0,
            }, http);
            // Five a chat and 150 in all: more than a chat's burst and the bot's second, however slowly this machine sends them.
            var unpaced = await Task.WhenAll(Enumerable.Range(0, 150).Select(async i =>
            {
                try
                {
                    await raw.SendMessage(1000 + (i % 30), $"unpaced {i}", cancellationToken: Ct);
                    return true;
                }
                catch (ApiRequestException ex) when (ex.ErrorCode == 429)
                {
                    Assert.True(ex.Parameters?.RetryAfter >= 1);
                    return false;
                }
            }));
            Assert.Contains(false, unpaced);
        }

        // Paced: the same burst, every message delivered, none refused.
        using var sender = Sender();
        var bot = NewBot();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            sender.SendMessageAsync(bot, new TelegramOutgoingMessage(1000 + (i % 30), $"paced {i}"), Ct)));

        var stats = await StatsAsync(bot);
        Assert.Equal(60, stats.GetProperty("messagesSent").GetInt64());
        Assert.Equal(0, stats.GetProperty("tooManyRequests").GetInt64());
        Assert.Equal(2, (await MessagesAsync(bot, 1007)).Count);
    }

    [Fact]
    public async Task WaitTheRetryAfterTelegramAsksForOrTheFallbackAndThenDeliverOnce()
    {
        var time = new RecordingTime();
        using var sender = Sender(time: time);
        var bot = NewBot();
        await InjectAsync(bot, new { method = "sendMessage", errorCode = 429, retryAfter = 2, count = 1 });
        await InjectAsync(bot, new { method = "sendMessage", errorCode = 429, description = "Too Many Requests", count = 1 });

        await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(42, "after the flood"), Ct);

        // The waits the sender asked its clock for: Telegram's retry_after, then the fallback for a 429 without one.
        Assert.Contains(TimeSpan.FromSeconds(2), time.Delays);
        Assert.Contains(TimeSpan.FromMilliseconds(200), time.Delays);
        Assert.Single(await MessagesAsync(bot, 42));
        Assert.Equal(3, (await StatsAsync(bot)).GetProperty("requests").GetInt64());
    }

    /// <summary>The system clock, remembering every delay asked of it (<c>Task.Delay(delay, timeProvider)</c> makes a timer).</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public ConcurrentQueue<TimeSpan> Delays { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Delays.Enqueue(dueTime);
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>
    /// The system clock, except that no timer made before <see cref="Open"/> starts until then: what waits on it (the
    /// sender's turn in a rate limit) stays put while the test looks, however slow the machine.
    /// </summary>
    private sealed class GatedTime : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<HeldTimer> _held = [];
        private bool _open;

        /// <summary>Timers made and not yet started or disposed.</summary>
        public int Waiting
        {
            get
            {
                lock (_gate)
                {
                    return _held.Count(t => !t.Disposed);
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (_open)
                {
                    return System.CreateTimer(callback, state, dueTime, period);
                }
                var timer = new HeldTimer(callback, state, dueTime, period);
                _held.Add(timer);
                return timer;
            }
        }

        /// <summary>Starts every held timer; timers made from now on start at once.</summary>
        public void Open()
        {
            lock (_gate)
            {
                _open = true;
                foreach (var timer in _held)
                {
                    timer.Start();
                }
                _held.Clear();
            }
        }

        private sealed class HeldTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) : ITimer
        {
            private readonly Lock _gate = new();
            private TimeSpan _dueTime = dueTime;
            private TimeSpan _period = period;
            private ITimer? _started;

            public bool Disposed { get; private set; }

            public void Start()
            {
                lock (_gate)
                {
                    if (!Disposed)
                    {
                        _started = System.CreateTimer(callback, state, _dueTime, _period);
                    }
                }
            }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (_gate)
                {
                    if (_started is not null)
                    {
                        return _started.Change(dueTime, period);
                    }
                    (_dueTime, _period) = (dueTime, period);
                    return !Disposed;
                }
            }

            public void Dispose()
            {
                lock (_gate)
                {
                    Disposed = true;
                    _started?.Dispose();
                }
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    [Fact]
    public async Task RetryServerErrorsAndGiveUpWhenTheBudgetIsSpent()
    {
        using var sender = Sender(o => o.MaxAttempts = 3);
        var bot = NewBot();

        await InjectAsync(bot, new { method = "sendMessage", errorCode = 500, count = 2 });
        await sender.SendMessageAsync(bot, new TelegramOutgoingMessage(7, "third time lucky"), Ct);
        Assert.Single(await MessagesAsync(bot, 7));

        await InjectAsync(bot, new { method = "sendMessage", errorCode = 502, count = 5 });
        var failure = await Assert.ThrowsAsync<TelegramSendException>(() => sender.SendMessageAsync(bot, new TelegramOutgoingMessage(7, "never"), Ct));
        Assert.Equal(TelegramFailure.RetriesExhausted, failure.Failure);
        Assert.Equal(502, failure.ErrorCode);
        Assert.Single(await MessagesAsync(bot, 7));
        Assert.Equal(6, (await StatsAsync(bot)).GetProperty("requests").GetInt64()); // 3 + 3 attempts
    }

    [Fact]
    public async Task NotRetryWhatTelegramRefusedForGood()
    {
        using var sender = Sender();
        var bot = NewBot();

        await InjectAsync(bot, new { method = "sendMessage", errorCode = 403, description = "Forbidden: bot was blocked by the user" });
        var blocked = await Assert.ThrowsAsync<TelegramSendException>(() => sender.SendMessageAsync(bot, new TelegramOutgoingMessage(9, "hi"), Ct));
        Assert.Equal(TelegramFailure.Forbidden, blocked.Failure);

        var noTopic = await Assert.ThrowsAsync<TelegramSendException>(() =>
            sender.SendMessageAsync(bot, new TelegramOutgoingMessage(-1009, "into a topic that does not exist", ThreadId: 77), Ct));
        Assert.Equal(TelegramFailure.Rejected, noTopic.Failure);
        Assert.Equal(400, noTopic.ErrorCode);

        var badToken = new TelegramBot(Guid.NewGuid(), "123:short");
        var unauthorized = await Assert.ThrowsAsync<TelegramSendException>(() => sender.SendMessageAsync(badToken, new TelegramOutgoingMessage(9, "hi"), Ct));
        Assert.Equal(TelegramFailure.Unauthorized, unauthorized.Failure);

        Assert.Equal(2, (await StatsAsync(bot)).GetProperty("requests").GetInt64()); // one attempt each
        Assert.DoesNotContain(badToken.Token, unauthorized.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NeverRetryARequestThatWasSentButNotAnswered()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var requests = 0;
        var accepting = Task.Run(async () =>
        {
            var held = new List<TcpClient>();
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync(Ct));
                    Interlocked.Increment(ref requests);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                held.ForEach(c => c.Dispose());
            }
        }, Ct);
        using var sender = Sender(o => o.RequestTimeout = TimeSpan.FromSeconds(1),
            new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"));

        var failure = await Assert.ThrowsAsync<TelegramSendException>(() => sender.SendMessageAsync(NewBot(), new TelegramOutgoingMessage(5, "maybe"), Ct));

        Assert.Equal(TelegramFailure.OutcomeUnknown, failure.Failure);
        Assert.Equal(1, Volatile.Read(ref requests));
        silent.Stop();
        await accepting;
    }

    [Fact]
    public async Task RetryAConnectionThatCouldNotBeMade()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var sender = Sender(o => o.MaxAttempts = 3, new Uri($"http://127.0.0.1:{closedPort}"));

        var failure = await Assert.ThrowsAsync<TelegramSendException>(() => sender.SendMessageAsync(NewBot(), new TelegramOutgoingMessage(5, "hello?"), Ct));

        Assert.Equal(TelegramFailure.RetriesExhausted, failure.Failure);
        Assert.Null(failure.ErrorCode);
    }

    [Fact]
    public async Task KeepOneTenantsFloodFromDelayingAnotherTenant()
    {
        var time = new GatedTime();
        using var sender = Sender(time: time);
        var flooded = NewBot(Guid.NewGuid());
        var other = NewBot(Guid.NewGuid());
        const long chat = 555;

        // Five messages into one private chat go at one a second: the first at once, four wait for their turn (on a
        // clock that lets no wait end until the test opens it)...
        var flood = Task.WhenAll(Enumerable.Range(0, 5).Select(i => sender.SendMessageAsync(flooded, new TelegramOutgoingMessage(chat, $"flood {i}"), Ct)));
        await Eventually.HoldsAsync(() => time.Waiting == 4, "four flood messages waiting for their turn");
        // ...while the other tenant's bot, writing to a chat with the same id, is not made to wait for them.
        await sender.SendMessageAsync(other, new TelegramOutgoingMessage(chat, "not queued behind the flood"), Ct)
            .WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var floodSentMeanwhile = (await MessagesAsync(flooded, chat)).Count;
        time.Open();

        Assert.Equal(1, floodSentMeanwhile);
        await flood;
        Assert.Equal(5, (await MessagesAsync(flooded, chat)).Count);
        Assert.Single(await MessagesAsync(other, chat)); // the sandbox keeps each bot's chats apart too
        Assert.Equal(0, (await StatsAsync(flooded)).GetProperty("tooManyRequests").GetInt64());
    }
}
