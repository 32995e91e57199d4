using MassTransit;
using OmniChat.Core.Contracts;

namespace OmniChat.Workers.Delivery;

/// <summary>
/// The receive endpoint every consumer of conversation events uses (the webhook and Telegram fan-outs): a quorum queue with
/// bounded prefetch, transient failures retried in place (then the <c>_error</c> queue, never blocking the others), and
/// the messages of one conversation handled one at a time, in order (partitioned by conversation id).
/// </summary>
internal static class ConversationEventEndpoint
{
    public static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer)
        where TConsumer : class
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(consumer);
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SetQuorumQueue();
            rabbit.PrefetchCount = 64;
        }
        endpoint.UseMessageRetry(r => r.Exponential(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200)));
        var partitioner = endpoint.CreatePartitioner(32);
        consumer.Message<ConversationStarted>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
        consumer.Message<MessageAdded>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
        consumer.Message<ConversationClaimed>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
        consumer.Message<ConversationReleased>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
        consumer.Message<ConversationRenamed>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
        consumer.Message<ConversationClosed>(m => m.UsePartitioner(partitioner, c => c.Message.ConversationId));
    }
}
