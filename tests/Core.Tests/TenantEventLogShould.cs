using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// The event stream's log numbers committed events after commit, one tenant at a time (ADR 0022): a transaction held
/// open elsewhere delays nothing but its own events, which arrive once when it commits, in conversation order.
/// </summary>
public sealed class TenantEventLogShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task NotHoldBackATenantsEventsBehindATransactionLeftOpenElsewhere()
    {
        var log = new TenantEventLog(_db.AppDataSource);
        var head = await log.HeadAsync(_db.TenantA.Id, Ct);
        // Any transaction holding a transaction id: the old reader took only rows older than the oldest one running.
        await using var blocker = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var open = await blocker.BeginTransactionAsync(Ct);
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", blocker, open))
        {
            await xid.ExecuteScalarAsync(Ct);
        }

        var written = await AddEventAsync(_db.TenantA.Id);
        var read = await log.ReadAfterAsync(_db.TenantA.Id, head, 10, sequence: true, Ct);

        Assert.Equal([written], read.Select(e => IdOf(e)));
    }

    [Fact]
    public async Task DeliverAnEventThatCommitsLateOnceAfterTheEventsThatCommittedBeforeIt()
    {
        var log = new TenantEventLog(_db.AppDataSource);
        var head = await log.HeadAsync(_db.TenantA.Id, Ct);
        await using var late = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var lateTransaction = await late.BeginTransactionAsync(Ct);
        var lateId = await AddEventAsync(_db.TenantA.Id, late, lateTransaction);

        var early = await AddEventAsync(_db.TenantA.Id);
        var first = await log.ReadAfterAsync(_db.TenantA.Id, head, 10, sequence: true, Ct);
        await lateTransaction.CommitAsync(Ct);
        var second = await log.ReadAfterAsync(_db.TenantA.Id, first[^1].Position, 10, sequence: true, Ct);
        var all = await log.ReadAfterAsync(_db.TenantA.Id, head, 10, sequence: true, Ct);

        Assert.Equal([early], first.Select(e => IdOf(e)));
        Assert.Equal([lateId], second.Select(e => IdOf(e)));
        Assert.Equal([early, lateId], all.Select(e => IdOf(e)));
    }

    [Fact]
    public async Task NumberAConversationsMessagesInSeqOrderWhenTheirTransactionIdsAreNot()
    {
        // A writer can take its transaction id before it waits for the conversation's row lock, so the message with
        // seq 2 may carry the older transaction id. Arrange exactly that.
        var log = new TenantEventLog(_db.AppDataSource);
        var head = await log.HeadAsync(_db.TenantA.Id, Ct);
        var conversation = Guid.CreateVersion7();
        await using var older = await _db.AppDataSource.OpenConnectionAsync(Ct);
        await using var olderTransaction = await older.BeginTransactionAsync(Ct);
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", older, olderTransaction))
        {
            await xid.ExecuteScalarAsync(Ct);
        }
        var seq1 = await AddEventAsync(_db.TenantA.Id, partition: conversation, seq: 1);
        var seq2 = await AddEventAsync(_db.TenantA.Id, older, olderTransaction, partition: conversation, seq: 2);
        await olderTransaction.CommitAsync(Ct);

        var read = await log.ReadAfterAsync(_db.TenantA.Id, head, 10, sequence: true, Ct);

        Assert.Equal([seq1, seq2], read.Select(e => IdOf(e)));
    }

    [Fact]
    public async Task KeepEachTenantsEventsToItself()
    {
        var log = new TenantEventLog(_db.AppDataSource);
        var headA = await log.HeadAsync(_db.TenantA.Id, Ct);
        var headB = await log.HeadAsync(_db.TenantB.Id, Ct);
        var a = await AddEventAsync(_db.TenantA.Id);
        var b = await AddEventAsync(_db.TenantB.Id);

        var readA = await log.ReadAfterAsync(_db.TenantA.Id, headA, 10, sequence: true, Ct);
        var readB = await log.ReadAfterAsync(_db.TenantB.Id, headB, 10, sequence: true, Ct);
        // A's tenant setting with B's id in the query: row-level security returns nothing.
        var forged = await ReadAsTenantAsync(_db.TenantA.Id, _db.TenantB.Id);

        Assert.Equal([a], readA.Select(e => IdOf(e)));
        Assert.Equal([b], readB.Select(e => IdOf(e)));
        Assert.Equal(0, forged);
    }

    [Fact]
    public async Task ResolveACursorOfTheFirstFormatToThePositionOfItsEvent()
    {
        var log = new TenantEventLog(_db.AppDataSource);
        var head = await log.HeadAsync(_db.TenantA.Id, Ct);
        var id = await AddEventAsync(_db.TenantA.Id);
        var read = await log.ReadAfterAsync(_db.TenantA.Id, head, 10, sequence: true, Ct);

        var resolved = await log.ResolveCursorAsync(_db.TenantA.Id, $"12345.{id:N}", Ct);
        var foreign = await log.ResolveCursorAsync(_db.TenantB.Id, $"12345.{id:N}", Ct);

        Assert.Equal(read[0].Position, resolved);
        Assert.Null(foreign);
        Assert.Null(await log.ResolveCursorAsync(_db.TenantA.Id, "not-a-cursor", Ct));
        Assert.Equal(42, await log.ResolveCursorAsync(_db.TenantA.Id, "42", Ct));
    }

    private static Guid IdOf(StoredEvent e) => Guid.Parse(System.Text.Json.JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("id").GetString()!);

    private async Task<Guid> AddEventAsync(Guid tenantId, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null,
        Guid? partition = null, long? seq = null)
    {
        var id = Guid.CreateVersion7();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, seq, created_at, available_at, attempts)
            VALUES ($1, $2, 'ConversationRenamed', jsonb_build_object('id', $1), $3, $4, now(), now(), 0)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = partition is { } p ? p : DBNull.Value },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = seq is { } s ? s : DBNull.Value },
            },
        };
        if (connection is null)
        {
            await using var batch = _db.AppDataSource.CreateTenantBatch(tenantId);
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(Ct);
        }
        else
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(TenantBatches.SetTenantSql) { Parameters = { TenantBatches.TenantParameter(tenantId) } });
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(Ct);
        }
        return id;
    }

    private async Task<long> ReadAsTenantAsync(Guid setting, Guid queried)
    {
        await using var batch = _db.AppDataSource.CreateTenantBatch(setting);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM outbox_messages WHERE tenant_id = $1 AND stream_position IS NOT NULL")
        {
            Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = queried } },
        });
        await using var reader = await batch.ExecuteReaderAsync(Ct);
        await reader.NextResultAsync(Ct);
        await reader.ReadAsync(Ct);
        return reader.GetInt64(0);
    }
}
