using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace OmniChat.Core.Messaging;

/// <summary>
/// Reads the depth of the Workers' RabbitMQ queues (and their <c>_error</c> queues) by a passive declare: the broker
/// answers with the message and consumer counts without creating anything, so no management plugin is needed. One
/// connection, opened on first use and again after a failure. One implementation for the operator console's Health page
/// and the Workers' queue-depth gauges.
/// </summary>
public sealed partial class QueueDepths(IConfiguration configuration, ILogger<QueueDepths> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    /// <summary>Whether the portal has a RabbitMQ connection string at all.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ResourceNames.RabbitMq));

    /// <summary>
    /// The depth of every queue the Workers consume and of its error queue; <see cref="QueueReading.Unreachable"/> when
    /// RabbitMQ cannot be reached (the reason is logged, not shown).
    /// </summary>
    public async Task<QueueReading> ReadAsync(CancellationToken cancellationToken)
    {
        if (!Configured)
        {
            return QueueReading.Unreachable;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            var queues = new List<QueueDepth>();
            foreach (var queue in QueueNames.All)
            {
                var main = await DeclarePassiveAsync(connection, queue, cancellationToken);
                var errors = await DeclarePassiveAsync(connection, QueueNames.ErrorQueueOf(queue), cancellationToken);
                queues.Add(new QueueDepth(queue, main?.MessageCount, main?.ConsumerCount, errors?.MessageCount ?? 0));
            }
            return new QueueReading(true, queues);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException
                                       or TimeoutException)
        {
            LogUnreachable(logger, ex);
            await DropConnectionAsync();
            return QueueReading.Unreachable;
        }
        finally
        {
            _gate.Release();
        }
    }

    // A missing queue closes the channel (404): a channel per queue, and null for "not declared yet".
    private static async Task<QueueDeclareOk?> DeclarePassiveAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return null;
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }
        await DropConnectionAsync();
        var amqp = AmqpAddress.Parse(configuration.GetConnectionString(ResourceNames.RabbitMq)!);
        var factory = new ConnectionFactory
        {
            HostName = amqp.Host,
            Port = amqp.Port,
            VirtualHost = amqp.VirtualHost,
            UserName = amqp.User,
            Password = amqp.Password,
            ClientProvidedName = $"omnichat-queue-depths-{AppDomain.CurrentDomain.FriendlyName}",
            RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
            AutomaticRecoveryEnabled = false,
            Ssl = new SslOption { Enabled = amqp.UseTls, ServerName = amqp.Host },
        };
        _connection = await factory.CreateConnectionAsync(cancellationToken);
        return _connection;
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or AlreadyClosedException or OperationInterruptedException)
            {
                // Already gone.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the RabbitMQ queue depths")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}

/// <summary>
/// One queue: messages waiting (null when the queue is not declared yet: the Workers have not started), consumers, and
/// messages in its error queue (failed every retry).
/// </summary>
public sealed record QueueDepth(string Name, uint? Messages, uint? Consumers, uint ErrorMessages);

/// <summary>The queue depths, or that RabbitMQ could not be reached.</summary>
public sealed record QueueReading(bool Reachable, IReadOnlyList<QueueDepth> Queues)
{
    /// <summary>RabbitMQ could not be reached (or no connection string is set).</summary>
    public static QueueReading Unreachable { get; } = new(false, []);
}
