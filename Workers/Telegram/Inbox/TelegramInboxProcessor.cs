using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Workers.Delivery;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>A stored update taken for processing under a lease.</summary>
internal sealed record LeasedTelegramUpdate(Guid Id, Guid TenantId, long BotId, long UpdateId, long ChatId, Guid? ChannelId, string Kind,
    string Payload, int Attempts, Guid LeaseId);

/// <summary>
/// Processes the Telegram inbox (updates the Api stored) across tenants on the system role (ADR 0003, 0022). Per
/// (tenant, bot, chat) only the lowest pending <c>update_id</c> is due, so a chat's updates are handled in Telegram's
/// order while other chats go on in parallel. Updates are leased in one short statement and handled with no
/// transaction open; the outcome is recorded under the lease. At most
/// <see cref="TelegramOptions.InboxPerTenantConcurrency"/> of a tenant's chats are in flight, so one tenant's slow bot
/// never delays another. A failed update is tried again with backoff; a malformed one, or one that failed
/// <see cref="TelegramOptions.InboxMaxAttempts"/> times, is given up on (<c>failed_at</c>, <c>last_error</c> kept) and the
/// chat's next update goes on: never a crash loop.
/// </summary>
internal sealed partial class TelegramInboxProcessor(SystemDataSource system, TelegramUpdateHandler handler, IOptions<TelegramOptions> options,
    TelegramInboxSignal signal, ILogger<TelegramInboxProcessor> logger) : FairDeliveryLoop(signal, logger)
{
    private readonly TelegramOptions _options = options.Value;

    protected override int Concurrency => _options.InboxConcurrency;

    protected override int PerTenantConcurrency => _options.InboxPerTenantConcurrency;

    protected override TimeSpan PollInterval => _options.InboxPollInterval;

    protected override void LogStarted() => LogSystemScope(logger);

    protected override async Task<int> ClaimAsync(int free, IReadOnlyDictionary<Guid, int> busy, CancellationToken cancellationToken)
    {
        var leaseId = Guid.NewGuid();
        await using var connection = await system.Value.OpenConnectionAsync(cancellationToken);
        // The head of each chat is its lowest pending update; a chat whose head is leased or backing off waits as a whole.
        await using var lease = new NpgsqlCommand("""
            WITH heads AS (
                SELECT DISTINCT ON (u.tenant_id, u.bot_id, u.chat_id) u.id, u.tenant_id, u.received_at, u.next_attempt_at, u.leased_until
                FROM inbound_updates u
                WHERE u.processed_at IS NULL
                ORDER BY u.tenant_id, u.bot_id, u.chat_id, u.update_id
            ), due AS (
                SELECT h.id, h.tenant_id, h.received_at FROM heads h
                WHERE coalesce(h.next_attempt_at, h.received_at) <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
            ), fair AS (
                SELECT due.id FROM (
                    SELECT due.*, row_number() OVER (PARTITION BY due.tenant_id ORDER BY due.received_at) AS n FROM due) due
                LEFT JOIN unnest($2::uuid[], $3::int[]) AS b(tenant_id, in_flight) ON b.tenant_id = due.tenant_id
                WHERE due.n <= $4 - coalesce(b.in_flight, 0)
                ORDER BY due.received_at LIMIT $1
            )
            UPDATE inbound_updates u SET lease_id = $5, leased_until = now() + $6, attempts = u.attempts + 1
            FROM fair
            WHERE u.id = fair.id AND u.processed_at IS NULL AND (u.leased_until IS NULL OR u.leased_until < now())
            RETURNING u.id, u.tenant_id, u.bot_id, u.update_id, u.chat_id, u.channel_id, u.kind, u.payload::text, u.attempts
            """, connection);
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = free });
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = busy.Keys.ToArray() });
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = busy.Values.ToArray() });
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.InboxPerTenantConcurrency });
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = leaseId });
        lease.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = _options.InboxLease });
        var leased = new List<LeasedTelegramUpdate>();
        await using (var reader = await lease.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                leased.Add(new LeasedTelegramUpdate(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8), leaseId));
            }
        }
        foreach (var update in leased)
        {
            Start(update.TenantId, () => ProcessAsync(update, cancellationToken));
        }
        return leased.Count;
    }

    private async Task ProcessAsync(LeasedTelegramUpdate update, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessOnceAsync(update, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Even the outcome could not be written: the lease lapses and the update is taken again (its attempts counted).
            LogOutcomeLost(logger, update.TenantId, update.BotId, update.UpdateId, ex);
        }
    }

    private async Task ProcessOnceAsync(LeasedTelegramUpdate update, CancellationToken cancellationToken)
    {
        try
        {
            if (update.Attempts > _options.InboxMaxAttempts)
            {
                // Leased that often without an outcome: the worker died on it each time. Give up rather than loop.
                await GiveUpAsync(update, $"Gave up after {update.Attempts - 1} attempts without an outcome.", keepLastError: true, cancellationToken);
                return;
            }
            await handler.HandleAsync(update, cancellationToken);
            await CompleteAsync(update, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the lease lapses and the update is taken again.
        }
        catch (JsonException ex)
        {
            LogMalformed(logger, update.TenantId, update.BotId, update.UpdateId, ex);
            await GiveUpAsync(update, $"Malformed update: {ex.Message}", keepLastError: false, CancellationToken.None);
        }
        catch (DomainException ex) when (ex.Status is 400 or 404 or 422)
        {
            // The same answer every time (the conversation is gone, the input breaks a rule): trying again cannot help.
            LogRefused(logger, update.TenantId, update.BotId, update.UpdateId, ex.Code);
            await GiveUpAsync(update, $"{ex.Code}: {ex.Message}", keepLastError: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = $"{ex.GetType().Name}: {ex.Message}";
            if (update.Attempts >= _options.InboxMaxAttempts)
            {
                LogPoisoned(logger, update.TenantId, update.BotId, update.UpdateId, update.Attempts, ex);
                await GiveUpAsync(update, error, keepLastError: false, CancellationToken.None);
            }
            else
            {
                LogRetrying(logger, update.TenantId, update.BotId, update.UpdateId, update.Attempts, ex);
                await RetryLaterAsync(update, error, CancellationToken.None);
            }
        }
    }

    private Task CompleteAsync(LeasedTelegramUpdate update, CancellationToken cancellationToken) =>
        RecordAsync(update, """
            UPDATE inbound_updates SET processed_at = now(), lease_id = NULL, leased_until = NULL, last_error = NULL
            WHERE id = $1 AND lease_id = $2
            """, cancellationToken);

    private Task RetryLaterAsync(LeasedTelegramUpdate update, string error, CancellationToken cancellationToken)
    {
        var delay = Backoff(update.Attempts);
        return RecordAsync(update, """
            UPDATE inbound_updates SET lease_id = NULL, leased_until = NULL, last_error = $3, next_attempt_at = now() + $4
            WHERE id = $1 AND lease_id = $2
            """, cancellationToken, Text(Truncate(error)), new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = delay });
    }

    private Task GiveUpAsync(LeasedTelegramUpdate update, string error, bool keepLastError, CancellationToken cancellationToken) =>
        RecordAsync(update, $"""
            UPDATE inbound_updates SET processed_at = now(), failed_at = now(), lease_id = NULL, leased_until = NULL,
                last_error = {(keepLastError ? "coalesce(last_error || ' — ', '') || $3" : "$3")}
            WHERE id = $1 AND lease_id = $2
            """, cancellationToken, Text(Truncate(error)));

    // Fenced by the lease: a worker whose lease lapsed (and whose update another worker took) records nothing.
    private async Task RecordAsync(LeasedTelegramUpdate update, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] more)
    {
        await using var command = system.Value.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = update.Id });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = update.LeaseId });
        command.Parameters.AddRange(more);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InboxRetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, _options.InboxRetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..1999] + "…";

    private static NpgsqlParameter Text(string value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = value };

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram inbox: leases stored updates of every tenant on the system role (raw SQL, ADR 0003)")]
    private static partial void LogSystemScope(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}) is malformed; given up")]
    private static partial void LogMalformed(ILogger logger, Guid tenantId, long botId, long updateId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}) refused for good ({Code}); given up")]
    private static partial void LogRefused(ILogger logger, Guid tenantId, long botId, long updateId, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}): its outcome was not recorded; taken again after the lease")]
    private static partial void LogOutcomeLost(ILogger logger, Guid tenantId, long botId, long updateId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}) failed (attempt {Attempt}); trying again later")]
    private static partial void LogRetrying(ILogger logger, Guid tenantId, long botId, long updateId, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telegram update {UpdateId} of bot {BotId} (tenant {TenantId}) failed {Attempts} times; given up")]
    private static partial void LogPoisoned(ILogger logger, Guid tenantId, long botId, long updateId, int attempts, Exception exception);
}

/// <summary>Wakes the inbox processor: new updates were stored (a Redis message from the Api) or a chat's update finished.</summary>
internal sealed class TelegramInboxSignal : OmniChat.Core.Wakeup;
