namespace OmniChat.TelegramSandbox;

/// <summary>Telegram's flood limits as the sandbox enforces them (section <c>Sandbox:FloodControl</c>).</summary>
public sealed class FloodControlOptions
{
    public const string Section = "Sandbox:FloodControl";

    /// <summary>Off: every send is accepted (tests of other behaviour may want that).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Messages a second one bot may send in all (Telegram: about 30).</summary>
    public double PerBotPerSecond { get; set; } = 30;

    /// <summary>Burst above the per-bot rate.</summary>
    public int PerBotBurst { get; set; } = 30;

    /// <summary>Messages a second into one private chat (Telegram: about 1, with short bursts).</summary>
    public double PerChatPerSecond { get; set; } = 1;

    public int PerChatBurst { get; set; } = 3;

    /// <summary>Messages a minute into one group (Telegram: 20).</summary>
    public double PerGroupPerMinute { get; set; } = 20;

    public int PerGroupBurst { get; set; } = 20;
}

/// <summary>
/// Token buckets per bot, per private chat and per group, the way Telegram throttles a bot: a send needs a token from
/// its bot's bucket and from its chat's; when either is empty the answer is 429 with <c>retry_after</c> (whole seconds,
/// at least 1), and nothing is charged. Not thread-safe: <see cref="BotApiState"/> calls it under its lock.
/// </summary>
public sealed class FloodControl(FloodControlOptions options, TimeProvider time)
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes a token for a message from <paramref name="botId"/> into <paramref name="chatId"/>, or says how long to wait.</summary>
    public TimeSpan? TryTake(long botId, long chatId)
    {
        if (!options.Enabled)
        {
            return null;
        }
        var now = time.GetTimestamp();
        var bot = BucketFor($"bot:{botId}", options.PerBotBurst, options.PerBotPerSecond, now);
        var chat = chatId < 0
            ? BucketFor($"group:{botId}:{chatId}", options.PerGroupBurst, options.PerGroupPerMinute / 60, now)
            : BucketFor($"chat:{botId}:{chatId}", options.PerChatBurst, options.PerChatPerSecond, now);
        var wait = Math.Max(bot.SecondsUntilToken(), chat.SecondsUntilToken());
        if (wait > 0)
        {
            return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait)));
        }
        bot.Tokens -= 1;
        chat.Tokens -= 1;
        return null;
    }

    private Bucket BucketFor(string key, int burst, double perSecond, long now)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = _buckets[key] = new Bucket(Math.Max(1, burst), perSecond) { Tokens = Math.Max(1, burst), Stamp = now };
        }
        var elapsed = time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
        bucket.Tokens = Math.Min(bucket.Capacity, bucket.Tokens + elapsed * bucket.PerSecond);
        bucket.Stamp = now;
        return bucket;
    }

    private sealed class Bucket(int capacity, double perSecond)
    {
        public int Capacity { get; } = capacity;

        public double PerSecond { get; } = perSecond;

        public double Tokens { get; set; }

        public long Stamp { get; set; }

        public double SecondsUntilToken() => Tokens >= 1 ? 0 : (1 - Tokens) / PerSecond;
    }
}
