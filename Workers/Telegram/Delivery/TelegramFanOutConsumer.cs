using System.Globalization;
using System.Text.Json;
using MassTransit;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Contracts;
using OmniChat.Core.Messaging;
using OmniChat.Core.Persistence;
using OmniChat.Workers.Delivery;

namespace OmniChat.Workers.Telegram.Delivery;

/// <summary>
/// Turns each domain event of a tenant with a Telegram channel into delivery records (SPEC §9): a new conversation opens
/// a topic with its welcome card; a visitor's message, an agent's reply from the API or portal, and a note go into the
/// topic; an agent's reply or a note goes to the customer's private chat when the conversation came from the bot; claims,
/// releases, renames and the close update the topic. Idempotent on the message id (the processed-message row and the
/// deliveries are one statement), partitioned by conversation like the webhook fan-out. The sender does the rest.
/// </summary>
internal sealed class TelegramFanOutConsumer(NpgsqlDataSource dataSource, TelegramDeliverySignal signal) :
    IConsumer<ConversationStarted>, IConsumer<MessageAdded>, IConsumer<ConversationClaimed>, IConsumer<ConversationReleased>,
    IConsumer<ConversationRenamed>, IConsumer<ConversationClosed>
{
    /// <summary>This consumer's name in <c>processed_messages</c>.</summary>
    public const string Name = "telegram";

    public Task Consume(ConsumeContext<ConversationStarted> context) =>
        HandleAsync(context, context.Message, 0, null, new { name = context.Message.Name }, [("topic", "group")]);

    public Task Consume(ConsumeContext<MessageAdded> context)
    {
        var m = context.Message;
        (string, string)[] targets = m.Direction switch
        {
            "INBOUND" => [("message", "group")],
            // An agent's reply: into the topic unless it was written there, and to the bot chat it came from.
            _ => [("message", "group"), ("message", "private")],
        };
        // Each uploaded file is a delivery of its own (one record per Telegram call, ADR 0025) into the topic, after the text:
        // kind file:{index}, same seq; the sender takes a message's text before its files and the files in order.
        var files = m.Attachments ?? [];
        targets = [.. targets, .. files.Select((_, i) => (string.Create(CultureInfo.InvariantCulture, $"file:{i}"), "group"))];
        return HandleAsync(context, m, m.Seq, m.MessageId,
            new { direction = m.Direction, text = m.Text, agent = m.Agent, noteKey = m.NoteKey, attachments = files.Count == 0 ? null : files }, targets);
    }

    public Task Consume(ConsumeContext<ConversationClaimed> context) =>
        HandleAsync(context, context.Message, context.Message.Seq, null, new { agent = context.Message.Agent }, [("card", "group"), ("joined", "private")]);

    public Task Consume(ConsumeContext<ConversationReleased> context) =>
        HandleAsync(context, context.Message, context.Message.Seq, null, new { agent = context.Message.Agent }, [("card", "group")]);

    public Task Consume(ConsumeContext<ConversationRenamed> context) =>
        HandleAsync(context, context.Message, context.Message.Seq, null, new { name = context.Message.Name }, [("card", "group")]);

    public Task Consume(ConsumeContext<ConversationClosed> context) =>
        HandleAsync(context, context.Message, context.Message.Seq, null, new { closedBy = context.Message.ClosedBy }, [("closed", "group")]);

    private async Task HandleAsync(ConsumeContext context, IConversationEvent e, long seq, Guid? messageId, object payload, (string Kind, string Target)[] targets)
    {
        await using var batch = dataSource.CreateTenantBatch(e.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH first_time AS (
                INSERT INTO processed_messages (tenant_id, consumer, message_id, processed_at)
                VALUES ($1, $2, $3, now())
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            INSERT INTO telegram_deliveries (id, tenant_id, conversation_id, event_id, seq, kind, target, message_id, payload, status, attempts,
                                             next_attempt_at, created_at)
            SELECT gen_random_uuid(), $1, $4, $5, $6, t.kind, t.target, $7, $8, 'Pending', 0, now(), now()
            FROM first_time CROSS JOIN unnest($9::text[], $10::text[]) AS t(kind, target)
            WHERE EXISTS (SELECT 1 FROM telegram_channels ch WHERE ch.tenant_id = $1)
              -- The customer's private chat only when the conversation's last inbound message came from the bot.
              AND (t.target <> 'private' OR EXISTS (SELECT 1 FROM conversations c WHERE c.tenant_id = $1 AND c.id = $4
                                                     AND c.channel = 'telegram' AND c.interface = 'bot'))
              -- The topic already shows what an agent wrote in it.
              AND (t.target <> 'group' OR $7::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.id = $7
                                                                        AND m.interface = 'group'))
            ON CONFLICT (tenant_id, event_id, target, kind) DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.TenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = Name },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = context.MessageId ?? e.EventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.ConversationId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = e.EventId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = seq },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = messageId is { } id ? id : DBNull.Value },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = targets.Select(t => t.Kind).ToArray() },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = targets.Select(t => t.Target).ToArray() },
            },
        });
        if (await batch.ExecuteNonQueryAsync(context.CancellationToken) > 0)
        {
            signal.Wake();
        }
    }
}

/// <summary>The Telegram fan-out's endpoint: quorum queue, partitioned by conversation, retried, never blocked by a poison message.</summary>
internal sealed class TelegramFanOutConsumerDefinition : ConsumerDefinition<TelegramFanOutConsumer>
{
    public TelegramFanOutConsumerDefinition()
    {
        EndpointName = QueueNames.Telegram;
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TelegramFanOutConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        ConversationEventEndpoint.Configure(endpointConfigurator, consumerConfigurator);
}

/// <summary>Wakes the Telegram sender when this process wrote new deliveries (other instances poll).</summary>
internal sealed class TelegramDeliverySignal : OmniChat.Core.Wakeup;
