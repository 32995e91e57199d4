using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;
using StackExchange.Redis;

namespace OmniChat.Core.Tests;

/// <summary>The per-tenant reader behind every event stream of an instance.</summary>
public sealed class TenantEventFeedShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task TellItsStreamsToLookAgainOnceItHasNumberedWhatCommittedBeforeItStarted()
    {
        // A stream reads numbered events only; an event committed but not yet numbered when the stream first read is
        // numbered by the reader as it starts, and the stream must hear of it (not wait for the next event or keep-alive).
        var log = new TenantEventLog(_db.AppDataSource);
        var head = await log.HeadAsync(_db.TenantA.Id, Ct);
        await AddEventAsync(_db.TenantA.Id);
        // No Redis here: the reader falls back to its poll, which this test makes far longer than the test can wait.
        using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { "127.0.0.1:9" },
            AbortOnConnectFail = false,
            ConnectTimeout = 200,
        });
        using var feed = new TenantEventFeed(log, redis, Options.Create(new EventStreamOptions { PollInterval = TimeSpan.FromHours(1) }),
            NullLogger<TenantEventFeed>.Instance);
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var subscription = feed.Subscribe(_db.TenantA.Id, () => told.TrySetResult());
        await told.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var read = await feed.ReadAfterAsync(_db.TenantA.Id, head, 10, Ct);

        Assert.Single(read);
    }

    private async Task AddEventAsync(Guid tenantId)
    {
        await using var batch = _db.AppDataSource.CreateTenantBatch(tenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO outbox_messages (id, tenant_id, message_type, payload, created_at, available_at, attempts)
            VALUES ($1, $2, 'ConversationRenamed', '{}', now(), now(), 0)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7() },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
            },
        });
        await batch.ExecuteNonQueryAsync(Ct);
    }
}
