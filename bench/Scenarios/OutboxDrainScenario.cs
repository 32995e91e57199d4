using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniChat.Core;
using OmniChat.Core.Contracts;
using OmniChat.Core.Messaging;
using OmniChat.Core.Outbox;
using OmniChat.Core.Persistence;

namespace OmniChat.Bench.Scenarios;

/// <summary>
/// Scenario 6: outbox drain. N committed outbox rows across 100 conversations are moved to RabbitMQ by two dispatchers
/// (claim, publish with confirms, mark sent), against publishing the same N contracts straight through MassTransit
/// with the same parallelism (16 conversations at a time, one by one within a conversation), the two in alternating
/// slices after a warm-up of both. Goal ≥ 50 %.
/// </summary>
internal sealed class OutboxDrainScenario : IScenario
{
    private const int Conversations = 100;

    public string Name => "outbox-drain";

    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchEnvironment environment, BenchSettings settings, CancellationToken cancellationToken)
    {
        var rows = settings.Quick ? 2_000 : 40_000;
        var slice = rows / settings.Rounds;
        var tenant = environment.TenantId;
        var amqp = AmqpAddress.Parse(environment.App.RabbitMqConnectionString);
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(amqp.Host, amqp.Port, amqp.VirtualHost, host =>
        {
            host.Username(amqp.User);
            host.Password(amqp.Password);
            host.PublisherConfirmation = true;
        }));
        await bus.StartAsync(cancellationToken);
        try
        {
            using var system = new SystemDataSource(PersistenceExtensions.BuildDataSource(environment.App.Database.System));
            var options = Options.Create(new OutboxOptions());
            var publisher = new MassTransitOutboxPublisher(bus);

            // Warm-up of both paths, long enough for the tiered JIT to finish with the code they share (MassTransit's
            // publish pipeline, the RabbitMQ client): with a short one, whichever side ran first paid for it.
            var warmUp = settings.Quick ? 200 : 5_000;
            for (var i = 0; i < 2; i++)
            {
                await InsertAsync(system, tenant, warmUp, cancellationToken);
                await DrainAsync(system, publisher, options, cancellationToken);
                await DirectAsync(bus, Contracts(tenant, warmUp), options.Value.PublishConcurrency, cancellationToken);
            }

            // The two sides alternate in equal slices.
            var postgres = environment.App.Processes.Single(p => p.Name == ResourceNames.Postgres).Pid;
            var rabbit = environment.App.Processes.Single(p => p.Name == ResourceNames.RabbitMq).Pid;
            var drainCpu = Meter("drain", postgres, rabbit);
            var directCpu = Meter("direct", postgres, rabbit);
            var (drainTime, directTime) = (TimeSpan.Zero, TimeSpan.Zero);
            long drained = 0;
            await LoadRunner.InSlicesAsync(2, settings.Rounds, async side =>
            {
                if (side == 0)
                {
                    await InsertAsync(system, tenant, slice, cancellationToken);
                    drainCpu.Resume();
                    var started = Stopwatch.GetTimestamp();
                    drained += await DrainAsync(system, publisher, options, cancellationToken);
                    drainTime += Stopwatch.GetElapsedTime(started);
                    drainCpu.Pause();
                }
                else
                {
                    var messages = Contracts(tenant, slice);
                    directCpu.Resume();
                    var started = Stopwatch.GetTimestamp();
                    await DirectAsync(bus, messages, options.Value.PublishConcurrency, cancellationToken);
                    directTime += Stopwatch.GetElapsedTime(started);
                    directCpu.Pause();
                }
            });

            var measured = slice * settings.Rounds;
            var drainRate = drained / drainTime.TotalSeconds;
            var directRate = measured / directTime.TotalSeconds;
            var ratio = drainRate / directRate;
            return
            [
                new ScenarioResult(Name, $"{measured:N0} rows, {Conversations} conversations, 2 dispatchers", "msg/s", drainRate, directRate, ratio, 0.50,
                    ratio >= 0.50 && drained == measured,
                    new Dictionary<string, double>(drainCpu.PerOperation(drained, "msg").Concat(directCpu.PerOperation(measured, "msg")))
                    {
                        ["drained"] = drained, ["rows"] = measured,
                    },
                    $"baseline = direct MassTransit publish of the same messages, the two in {settings.Rounds} alternating slices each; CPU ms per message of the publishing process (this one), PostgreSQL and RabbitMQ"),
            ];
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>CPU of this process (dispatchers or direct publishers), PostgreSQL and RabbitMQ over a run.</summary>
    private static CpuMeter Meter(string run, int postgres, int rabbit) => CpuMeter.Paused(
        CpuMeter.Self($"{run}_publisher"), ($"{run}_pg", () => ProcessCpu.OfTree(postgres)), ($"{run}_rabbitmq", () => ProcessCpu.OfTree(rabbit)));

    private static async Task<long> DrainAsync(SystemDataSource system, IOutboxPublisher publisher, IOptions<OutboxOptions> options,
        CancellationToken cancellationToken)
    {
        long total = 0;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            var dispatcher = new OutboxDispatcher(system, publisher, options, NullLogger<OutboxDispatcher>.Instance);
            while ((await dispatcher.DispatchOnceAsync(cancellationToken)) is { Published: > 0 } round)
            {
                Interlocked.Add(ref total, round.Published);
            }
        }));
        return total;
    }

    private static Task DirectAsync(IBus bus, IReadOnlyList<MessageAdded> messages, int concurrency, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(messages.GroupBy(m => m.ConversationId), new ParallelOptions
        {
            MaxDegreeOfParallelism = concurrency,
            CancellationToken = cancellationToken,
        }, async (conversation, ct) =>
        {
            foreach (var message in conversation)
            {
                await bus.Publish(message, context => context.MessageId = message.EventId, ct);
            }
        });

    private static List<MessageAdded> Contracts(Guid tenant, int count)
    {
        var conversations = Enumerable.Range(0, Conversations).Select(_ => Guid.CreateVersion7()).ToArray();
        return [.. Enumerable.Range(0, count).Select(i => new MessageAdded(Guid.CreateVersion7(), tenant, conversations[i % Conversations],
            DateTimeOffset.UtcNow, Guid.CreateVersion7(), (i / Conversations) + 1, "INBOUND", "benchmark message", null, null))];
    }

    private static async Task InsertAsync(SystemDataSource system, Guid tenant, int count, CancellationToken cancellationToken)
    {
        var messages = Contracts(tenant, count);
        await using var connection = await system.Value.OpenConnectionAsync(cancellationToken);
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        var now = DateTime.UtcNow;
        foreach (var m in messages)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(Guid.CreateVersion7(), NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(tenant, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(nameof(MessageAdded), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(JsonSerializer.Serialize(m, CoreJson.Default.MessageAdded), NpgsqlTypes.NpgsqlDbType.Jsonb, cancellationToken);
            await import.WriteAsync(m.ConversationId, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(m.Seq, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(now, NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(now, NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(0, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
        }
        await import.CompleteAsync(cancellationToken);
    }
}
