using System.Collections.Concurrent;
using MassTransit;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Contracts;
using OmniChat.TestKit.Contract;
using OmniChat.Core.Messaging;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.Workers.Tests.WorkersFixture))]

namespace OmniChat.Workers.Tests;

/// <summary>
/// PostgreSQL, Redis, RabbitMQ, the Api and the Workers process, started through the AppHost library, plus a MassTransit
/// bus in the test process that records every <see cref="MessageAdded"/> and <see cref="ConversationStarted"/> it gets.
/// The Workers' outbox poll interval is five minutes, so anything dispatched sooner was woken by LISTEN/NOTIFY; webhook
/// retries are shortened to seconds. The Telegram sandbox runs with Telegram's flood limits on.
/// </summary>
public sealed class WorkersFixture : ServersFixture
{
    private IBusControl? _bus;

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Workers],
        ServiceEnvironment = new Dictionary<string, string>
        {
            ["Outbox__PollInterval"] = "00:05:00",
            // Webhook retries in seconds, not hours, so the retry budget runs out within a test.
            ["Webhooks__RetryWindow"] = "00:00:05",
            ["Webhooks__BaseDelay"] = "00:00:00.300",
            ["Webhooks__PollInterval"] = "00:00:00.200",
            // Longer than any wait in the tests: a receiver that hangs stays hung until the test lets it go.
            ["Webhooks__Timeout"] = "00:03:00",
            // Telegram's 5xx retried in a few seconds, so a delivery's retry budget runs out within a test.
            ["Telegram__RetryBaseDelay"] = "00:00:00.100",
            // A deep health step that cannot finish fails within a test.
            ["DeepHealth__Timeout"] = "00:00:06",
            // Our own debug logging too, for the test that looks for bot tokens in every log.
            ["Logging__LogLevel__OmniChat"] = "Debug",
            // The Telegram inbox polls often and retries soon, so a failing update is given up on within a test.
            ["Telegram__InboxPollInterval"] = "00:00:00.200",
            ["Telegram__InboxRetryBaseDelay"] = "00:00:00.200",
            ["Telegram__InboxMaxAttempts"] = "3",
        },
    };

    private LiveOpenApiContract? _contract;

    /// <summary>The Api's OpenAPI document: the clients of <see cref="LiveOpenApiContract.CreateClient"/> and the webhook receiver hold every exchange to it.</summary>
    public LiveOpenApiContract Contract => _contract ??= new LiveOpenApiContract(App.ServiceUrls[ResourceNames.Api]);

    /// <summary>Every contract received, with its MassTransit message id, in arrival order.</summary>
    public ConcurrentQueue<(Guid? MessageId, IConversationEvent Event)> Received { get; } = new();

    public IBus Bus => _bus!;

    protected override async Task OnStartedAsync()
    {
        var amqp = AmqpAddress.Parse(App.RabbitMqConnectionString);
        _bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(amqp.Host, amqp.Port, amqp.VirtualHost, host =>
            {
                host.Username(amqp.User);
                host.Password(amqp.Password);
            });
            rabbit.ReceiveEndpoint($"workers-tests-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                // One at a time: arrival order is the queue's order, which is publish order.
                endpoint.ConcurrentMessageLimit = 1;
                endpoint.Handler<MessageAdded>(context =>
                {
                    Received.Enqueue((context.MessageId, context.Message));
                    return Task.CompletedTask;
                });
                endpoint.Handler<ConversationStarted>(context =>
                {
                    Received.Enqueue((context.MessageId, context.Message));
                    return Task.CompletedTask;
                });
            });
        });
        await _bus.StartAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until <paramref name="done"/> holds for what was received (or fails after <paramref name="seconds"/>).</summary>
    public async Task<List<(Guid? MessageId, IConversationEvent Event)>> WaitForAsync(
        Func<List<(Guid? MessageId, IConversationEvent Event)>, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var snapshot = Received.ToList();
            if (done(snapshot))
            {
                return snapshot;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not received in {seconds} s ({snapshot.Count} messages so far).");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    protected override async Task OnStoppingAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(CancellationToken.None);
        }
    }
}
