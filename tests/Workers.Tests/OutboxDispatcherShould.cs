using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniChat.Core;
using OmniChat.Core.Contracts;
using OmniChat.Core.Outbox;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;

namespace OmniChat.Workers.Tests;

/// <summary>The outbox dispatcher: every committed row reaches RabbitMQ once per round, in seq order per conversation.</summary>
public sealed class OutboxDispatcherShould(WorkersFixture workers)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishEveryRowOnceInSeqOrderPerConversationWithSeveralDispatchersAtOnce()
    {
        var (connections, seed) = await workers.CreateDatabaseAsync();
        var tenant = seed.Tenants[0].Id;
        var conversations = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToList();
        await InsertRowsAsync(connections.System, tenant, conversations, perConversation: 25);
        using var system = new SystemDataSource(PersistenceExtensions.BuildDataSource(connections.System));
        var options = Options.Create(new OutboxOptions { PartitionsPerBatch = 3, RowsPerBatch = 40 });
        var publisher = new MassTransitOutboxPublisher(workers.Bus);

        // Four dispatchers race over the same rows until none is left.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            var dispatcher = new OutboxDispatcher(system, publisher, options, NullLogger<OutboxDispatcher>.Instance);
            while ((await dispatcher.DispatchOnceAsync(Ct)).Published > 0)
            {
            }
        }));
        // A marker row, dispatched the same way once every racing dispatcher is done: whatever they published (a duplicate
        // too) was confirmed before the marker was published, so it is ahead of it in the queue, which the test's bus
        // reads in order.
        var marker = Guid.CreateVersion7();
        await InsertRowsAsync(connections.System, tenant, [marker], perConversation: 1);
        await new OutboxDispatcher(system, publisher, options, NullLogger<OutboxDispatcher>.Instance).DispatchOnceAsync(Ct);
        var received = await workers.WaitForAsync(r => r.Any(m => m.Event.ConversationId == marker));

        var ours = received.Where(m => conversations.Contains(m.Event.ConversationId)).ToList();
        Assert.Equal(500, ours.Count);
        Assert.Equal(500, ours.Select(m => m.MessageId).Distinct().Count());
        foreach (var conversation in conversations)
        {
            Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i),
                ours.Where(m => m.Event.ConversationId == conversation).Select(m => ((MessageAdded)m.Event).Seq));
        }
        Assert.Equal(0L, await ScalarAsync<long>(connections.System, "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL"));
    }

    [Fact]
    public async Task LeaveTheConversationsItDidNotClaimToTheNextDispatcher()
    {
        var (connections, seed) = await workers.CreateDatabaseAsync();
        var conversations = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToList();
        await InsertRowsAsync(connections.System, seed.Tenants[0].Id, conversations, perConversation: 3);
        using var system = new SystemDataSource(PersistenceExtensions.BuildDataSource(connections.System));
        var options = Options.Create(new OutboxOptions { PartitionsPerBatch = 2, RowsPerBatch = 100 });
        var held = new HoldingPublisher();
        var recorded = new RecordingPublisher();

        // The first dispatcher's round stays open (its publish waits) while the second one claims.
        var first = new OutboxDispatcher(system, held, options, NullLogger<OutboxDispatcher>.Instance).DispatchOnceAsync(Ct);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var second = await new OutboxDispatcher(system, recorded, options, NullLogger<OutboxDispatcher>.Instance).DispatchOnceAsync(Ct);
        held.Release.SetResult();
        var firstRound = await first;

        Assert.Equal((6, false), second);
        Assert.Equal((6, false), firstRound);
        Assert.Equal(2, recorded.Rows.Select(r => r.Partition).Distinct().Count());
        Assert.Empty(recorded.Rows.Select(r => r.Partition).Intersect(held.Rows.Select(r => r.Partition)));
    }

    [Fact]
    public async Task HoldNoTransactionOpenWhileItWaitsForTheBroker()
    {
        var (connections, seed) = await workers.CreateDatabaseAsync();
        await InsertRowsAsync(connections.System, seed.Tenants[0].Id, [Guid.CreateVersion7()], perConversation: 2);
        using var system = new SystemDataSource(PersistenceExtensions.BuildDataSource(connections.System));
        var held = new HoldingPublisher();

        var round = new OutboxDispatcher(system, held, Options.Create(new OutboxOptions()), NullLogger<OutboxDispatcher>.Instance).DispatchOnceAsync(Ct);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // While the publish waits: no session of this database is inside a transaction (none holds back anything), yet
        // the claimed conversation stays locked against other dispatchers.
        var inTransaction = await ScalarAsync<long>(connections.System,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL");
        var conversationLocks = await ScalarAsync<long>(connections.System,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.datname = current_database()");
        held.Release.SetResult();
        var published = await round;

        Assert.Equal(0, inTransaction);
        Assert.Equal(1, conversationLocks);
        Assert.Equal((2, false), published);
    }

    [Fact]
    public async Task ShareARoundBetweenItsConversationsSoABacklogCannotCrowdTheOthersOut()
    {
        var (connections, seed) = await workers.CreateDatabaseAsync();
        var tenant = seed.Tenants[0].Id;
        var backlog = Guid.CreateVersion7();
        await InsertRowsAsync(connections.System, tenant, [backlog], perConversation: 50);
        var others = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7()).ToList();
        await InsertRowsAsync(connections.System, tenant, others, perConversation: 5);
        using var system = new SystemDataSource(PersistenceExtensions.BuildDataSource(connections.System));
        var options = Options.Create(new OutboxOptions { PartitionsPerBatch = 4, RowsPerBatch = 20 });
        var recorded = new RecordingPublisher();

        var round = await new OutboxDispatcher(system, recorded, options, NullLogger<OutboxDispatcher>.Instance).DispatchOnceAsync(Ct);

        // 20 rows over 4 conversations: 5 each, the backlog's first five in seq order.
        Assert.Equal((20, false), round);
        Assert.All(recorded.Rows.GroupBy(r => r.Partition), g => Assert.Equal([1L, 2, 3, 4, 5], g.Select(r => r.Seq!.Value)));
        Assert.Equal(4, recorded.Rows.Select(r => r.Partition).Distinct().Count());
    }

    [Fact]
    public async Task DeliverAVisitorMessageFromTheWorkersProcessWokenByNotify()
    {
        using var api = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Api] };
        using var started = await api.PostAsJsonAsync("/v1/conversations", new { name = "dispatched" }, Ct);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = body.GetProperty("conversationId").GetGuid();
        api.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("token").GetString());
        (await api.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "to the broker" }, Ct)).EnsureSuccessStatusCode();

        // The Workers poll only every five minutes: this arrives because the insert notified them.
        var received = await workers.WaitForAsync(r => r.Any(m => m.Event is MessageAdded { Text: "to the broker" } a && a.ConversationId == id));

        var message = received.Single(m => m.Event is MessageAdded a && a.ConversationId == id);
        Assert.Contains(received, m => m.Event is ConversationStarted s && s.ConversationId == id);
        Assert.Equal(await ScalarAsync<Guid>(workers.App.Database.System,
            $"SELECT id FROM outbox_messages WHERE partition_key = '{id}' AND message_type = 'MessageAdded'"), message.MessageId);
        // The dispatcher marks rows sent after the broker confirmed them, so the mark may land just after the message does.
        await Eventually.HoldsAsync(async () => await ScalarAsync<bool>(workers.App.Database.System,
            $"SELECT bool_and(sent_at IS NOT NULL) FROM outbox_messages WHERE partition_key = '{id}'"), "every row of the conversation is marked sent");
    }

    private static async Task InsertRowsAsync(string connectionString, Guid tenant, IReadOnlyList<Guid> conversations, int perConversation)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        var now = DateTimeOffset.UtcNow;
        // Interleaved across conversations, as concurrent writers would commit them.
        for (var seq = 1; seq <= perConversation; seq++)
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var conversation in conversations)
            {
                var e = new MessageAdded(Guid.CreateVersion7(), tenant, conversation, now, Guid.CreateVersion7(), seq, "INBOUND", $"m{seq}", null, null);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                    INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
                    VALUES ($1, $2, 'MessageAdded', $3::jsonb, $4, $5, now(), now(), 0)
                    """)
                {
                    Parameters =
                    {
                        new() { Value = Guid.CreateVersion7() }, new() { Value = tenant },
                        new() { Value = JsonSerializer.Serialize(e, CoreJson.Default.MessageAdded) }, new() { Value = conversation },
                        new() { Value = (long)seq },
                    },
                });
            }
            await batch.ExecuteNonQueryAsync(Ct);
        }
    }

    /// <summary>Records what it was given.</summary>
    private class RecordingPublisher : IOutboxPublisher
    {
        private readonly List<OutboxRow> _rows = [];

        public IReadOnlyList<OutboxRow> Rows
        {
            get
            {
                lock (_rows)
                {
                    return [.. _rows];
                }
            }
        }

        public virtual Task PublishAsync(OutboxRow row, CancellationToken cancellationToken)
        {
            lock (_rows)
            {
                _rows.Add(row);
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>Records, then holds every publish until released.</summary>
    private sealed class HoldingPublisher : RecordingPublisher
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task PublishAsync(OutboxRow row, CancellationToken cancellationToken)
        {
            await base.PublishAsync(row, cancellationToken);
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
