using System.Threading.Channels;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// Tells <see cref="WebhookDelivery"/> that a bot may have something to deliver (a new update, a webhook set or
/// changed). Writing never blocks, so <see cref="BotApiState"/> signals under its lock.
/// </summary>
public sealed class UpdateSignals
{
    private readonly Channel<long> _bots = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    public void Notify(long botId) => _bots.Writer.TryWrite(botId);

    public IAsyncEnumerable<long> ReadAllAsync(CancellationToken cancellationToken) => _bots.Reader.ReadAllAsync(cancellationToken);
}
