using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// Everything the sandbox knows, in memory: bots (any well-formed token is a bot; a bot made by the control API has a
/// token of its own), their chats with messages, members and forum topics, people, files, callback queries, pending
/// updates, counters, and injected faults. Each bot sees its own copy of a chat, so two tenants' bots never interfere.
/// One lock guards it all: the sandbox serves tests and benchmarks at Telegram's own rates (tens of messages a second).
/// The Bot API methods are in <c>BotApiState.*.cs</c> by subject; what people do is in <c>BotApiState.People.cs</c>.
/// </summary>
public sealed partial class BotApiState(FloodControl floodControl, TimeProvider time, UpdateSignals signals, IOptions<SandboxOptions> options)
{
    public const int MaxTextLength = 4096;
    public const int MaxCaptionLength = 1024;

    private static readonly DateTimeOffset UpdateIdEpoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly Dictionary<long, BotRecord> _bots = [];
    private readonly SandboxOptions _options = options.Value;

    // update_id keeps growing across restarts of the sandbox (ten a second of uptime), so a product that remembers the
    // (bot, update_id) pairs it saw does not drop a restarted sandbox's updates as duplicates.
    private readonly int _firstUpdateId = (int)Math.Clamp((time.GetUtcNow() - UpdateIdEpoch).TotalSeconds * 10, 1, int.MaxValue / 2);

    /// <summary>
    /// Runs <paramref name="method"/> for the bot a token names: <c>401</c> when the token is not the one the sandbox
    /// gave that bot, a fault if one is due, else the method itself.
    /// </summary>
    public BotApiResponse Invoke(long botId, string token, string method, BotApiArguments arguments)
    {
        lock (_lock)
        {
            var bot = Bot(botId);
            if (!bot.Accepts(token))
            {
                return BotApiResponse.Error(401, "Unauthorized");
            }
            bot.Requests++;
            var faultIndex = bot.Faults.FindIndex(f => string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase));
            if (faultIndex >= 0)
            {
                var fault = bot.Faults[faultIndex];
                bot.Faults[faultIndex] = fault with { Count = fault.Count - 1 };
                if (fault.Count <= 1)
                {
                    bot.Faults.RemoveAt(faultIndex);
                }
                bot.FaultsServed++;
                return BotApiResponse.Error(fault.ErrorCode, fault.Description, fault.RetryAfter is { } after ? new ResponseParameters(after) : null);
            }
            return method.ToLowerInvariant() switch
            {
                "getme" => BotApiResponse.Success(bot.User),
                "sendmessage" => SendMessage(bot, arguments),
                "senddocument" => SendMedia(bot, arguments, photo: false),
                "sendphoto" => SendMedia(bot, arguments, photo: true),
                "editmessagetext" => EditMessage(bot, arguments, editText: true),
                "editmessagereplymarkup" => EditMessage(bot, arguments, editText: false),
                "deletemessage" => DeleteMessage(bot, arguments),
                "getfile" => GetFile(bot, arguments),
                "getchat" => GetChat(bot, arguments),
                "getchatmember" => GetChatMember(bot, arguments),
                "answercallbackquery" => AnswerCallbackQuery(bot, arguments),
                "setwebhook" => SetWebhook(bot, arguments),
                "deletewebhook" => DeleteWebhook(bot, arguments),
                "getwebhookinfo" => GetWebhookInfo(bot),
                "getupdates" => GetUpdates(bot, arguments),
                "createforumtopic" => CreateForumTopic(bot, arguments),
                "editforumtopic" => RenameTopic(bot, arguments),
                "closeforumtopic" => EditTopic(bot, arguments, t => t with { Closed = true }),
                "reopenforumtopic" => EditTopic(bot, arguments, t => t with { Closed = false }),
                "deleteforumtopic" => EditTopic(bot, arguments, t => t with { Deleted = true }),
                _ => BotApiResponse.Error(404, "Not Found: method not found"),
            };
        }
    }

    // Reads never create a bot: asking about a bot that made no call answers zeros and empty lists.
    public BotStats Stats(long botId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot)
                ? new BotStats(botId, bot.Requests, bot.MessagesSent, bot.TooManyRequests, bot.FaultsServed, bot.UpdatesDelivered, bot.Pending.Count)
                : new BotStats(botId, 0, 0, 0, 0, 0, 0);
        }
    }

    public IReadOnlyList<SentMessage> Messages(long botId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat)
                ? [.. chat.Messages.Select(View)]
                : [];
        }
    }

    public IReadOnlyList<TopicInfo> Topics(long botId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(botId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat) ? [.. chat.Topics.Values] : [];
        }
    }

    public void AddFault(long botId, InjectedFault fault)
    {
        lock (_lock)
        {
            Bot(botId).Faults.Add(fault);
        }
    }

    private BotApiResponse? Throttled(BotRecord bot, long chatId)
    {
        if (floodControl.TryTake(bot.User.Id, chatId) is not { } wait)
        {
            return null;
        }
        bot.TooManyRequests++;
        var seconds = (int)wait.TotalSeconds;
        return BotApiResponse.Error(429, $"Too Many Requests: retry after {seconds}", new ResponseParameters(seconds));
    }

    private BotRecord Bot(long botId)
    {
        if (!_bots.TryGetValue(botId, out var bot))
        {
            bot = _bots[botId] = new BotRecord(DefaultBotUser(botId, null, null), token: null, _firstUpdateId);
        }
        return bot;
    }

    private static BotUser DefaultBotUser(long botId, string? firstName, string? username) => new(botId, true,
        firstName ?? $"Sandbox bot {botId}", Username: username ?? $"sandbox_{botId}_bot",
        CanJoinGroups: true, CanReadAllGroupMessages: false, SupportsInlineQueries: false);

    private DateTimeOffset Now => time.GetUtcNow();

    private long UnixNow => time.GetUtcNow().ToUnixTimeSeconds();

    private static string RandomDigits(int length) => RandomNumberGenerator.GetString("0123456789", length).TrimStart('0') is { Length: > 0 } digits ? digits : "1";

    private static bool SameSecret(string? expected, string actual) => expected is null
        || CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
