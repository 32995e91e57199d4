using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>The event stream's log reads the outbox in commit order, whatever the transaction ids look like.</summary>
public sealed class TenantEventLogShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task ReadInTransactionOrderAcrossADigitBoundaryOfTheTransactionId()
    {
        // Regression: ordering by the cursor's text form put "1001" before "999" and resume skipped events.
        var current = await ScalarAsync<long>("SELECT pg_current_xact_id()::text::bigint");
        var boundary = (long)Math.Pow(10, Math.Floor(Math.Log10(current + 10)) + 1);
        var written = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            written.Add(await AddEventAsync());
        }
        await BurnTransactionIdsUntilAsync(boundary - 2);
        for (var i = 0; i < 4; i++)
        {
            written.Add(await AddEventAsync());
        }

        var log = new TenantEventLog(_db.AppDataSource);
        var read = new List<StoredEvent>();
        string? cursor = null;
        // Rows become readable once every older transaction in the cluster has ended (other test classes share the
        // server and may hold one open a moment), so keep reading on from the cursor until all have come.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (read.Count < written.Count && DateTime.UtcNow < deadline)
        {
            if (await log.ReadAfterAsync(_db.TenantA.Id, cursor, 1, Ct) is [var next])
            {
                read.Add(next);
                cursor = next.Cursor;
            }
            else
            {
                await Task.Delay(50, Ct);
            }
        }

        Assert.Equal(written, read.Select(e => Guid.ParseExact(e.Cursor.Split('.')[1], "N")));
        Assert.Contains(read, e => long.Parse(e.Cursor.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) >= boundary);
        Assert.Equal(cursor, await log.HeadAsync(_db.TenantA.Id, Ct));
    }

    private async Task<Guid> AddEventAsync()
    {
        var id = Guid.CreateVersion7();
        await using var batch = _db.AppDataSource.CreateTenantBatch(_db.TenantA.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO outbox_messages (id, tenant_id, message_type, payload, created_at, available_at, attempts)
            VALUES ($1, $2, 'ConversationRenamed', '{}', now(), now(), 0)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = _db.TenantA.Id },
            },
        });
        await batch.ExecuteNonQueryAsync(Ct);
        return id;
    }

    // One committed transaction per iteration, each taking a transaction id.
    private async Task BurnTransactionIdsUntilAsync(long target)
    {
        var current = await ScalarAsync<long>("SELECT pg_current_xact_id()::text::bigint");
        if (current < target)
        {
            await ScalarAsync<object>($"DO $$ BEGIN FOR i IN 1..{target - current} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$");
        }
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _db.AppDataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
