using MassTransit;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Messaging;
using OmniChat.Core.Persistence;
using OmniChat.Workers.Delivery;
using OmniChat.Core.Webhooks;

namespace OmniChat.Workers.Webhooks;

/// <summary>
/// Turns each domain event into one pending delivery per matching subscription of its tenant. Idempotent on the message
/// id: the processed-message row and the deliveries are written by one statement, so a redelivered message changes
/// nothing. The tenant comes from the message and is set for row-level security on the statement's transaction.
/// Messages of one conversation are handled one at a time, in order (partitioned by conversation id).
/// </summary>
internal sealed class WebhookFanOutConsumer(NpgsqlDataSource dataSource, WebhookSenderSignal signal, Microsoft.Extensions.Options.IOptions<WebhookOptions> options) :
    IConsumer<ConversationStarted>, IConsumer<MessageAdded>, IConsumer<ConversationClaimed>, IConsumer<ConversationReleased>,
    IConsumer<ConversationRenamed>, IConsumer<ConversationClosed>
{
    /// <summary>This consumer's name in <c>processed_messages</c>.</summary>
    public const string Name = "webhooks";

    public Task Consume(ConsumeContext<ConversationStarted> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<MessageAdded> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<ConversationClaimed> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<ConversationReleased> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<ConversationRenamed> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<ConversationClosed> context) => HandleAsync(context, context.Message);

    private async Task HandleAsync(ConsumeContext context, IConversationEvent e)
    {
        var webhook = WebhookEvents.Build(e);
        await using var batch = dataSource.CreateTenantBatch(e.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH first_time AS (
                INSERT INTO processed_messages (tenant_id, consumer, message_id, processed_at)
                VALUES ($1, $2, $3, now())
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, partition_key, seq, payload, status, attempts,
                                            next_attempt_at, retry_until, created_at)
            SELECT gen_random_uuid(), $1, s.id, $4, $5, $6, $7, $8, 'Pending', 0, now(), now() + $9, now()
            FROM webhook_subscriptions s CROSS JOIN first_time
            WHERE s.tenant_id = $1 AND s.enabled AND $5 = ANY (s.events)
            ON CONFLICT (tenant_id, subscription_id, event_id) DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = Name },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = context.MessageId ?? e.EventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.EventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = webhook.Type },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.ConversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = webhook.Seq },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = webhook.Body },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = options.Value.RetryWindow },
            },
        });
        if (await batch.ExecuteNonQueryAsync(context.CancellationToken) > 0)
        {
            signal.Wake();
        }
    }
}

/// <summary>The fan-out consumer's endpoint: quorum queue, bounded prefetch, partitioned by conversation, retried, never blocked by a poison message.</summary>
internal sealed class WebhookFanOutConsumerDefinition : ConsumerDefinition<WebhookFanOutConsumer>
{
    public WebhookFanOutConsumerDefinition()
    {
        EndpointName = QueueNames.Webhooks;
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<WebhookFanOutConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        ConversationEventEndpoint.Configure(endpointConfigurator, consumerConfigurator);
}

/// <summary>Wakes the sender when new deliveries were written in this process (other instances poll).</summary>
internal sealed class WebhookSenderSignal : OmniChat.Core.Wakeup;
