using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;
using OmniChat.Core.Webhooks;

namespace OmniChat.Workers.Webhooks;

/// <summary>
/// Sends due webhook deliveries across tenants (system role). Per subscription and conversation only the oldest pending
/// delivery is due, and only once every earlier event of the conversation has been fanned out; an advisory lock keeps
/// two senders off the same pair. So a receiver gets one conversation's events in seq order. A 2xx answer marks the delivery sent; anything else (or a timeout) schedules a retry with
/// exponential backoff and jitter until the retry window closes, then the delivery is dead (the dead-letter store) and
/// the conversation's next event goes.
/// </summary>
internal sealed partial class WebhookSender(SystemDataSource system, WebhookSigning signing, WebhookTargetPolicy policy, IOptions<WebhookOptions> options,
    WebhookSenderSignal signal, TimeProvider time, ILogger<WebhookSender> logger) : BackgroundService
{
    private readonly WebhookOptions _options = options.Value;
    private readonly HttpClient _http = new(policy.CreateHandler()) { Timeout = options.Value.Timeout };

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await SendDueAsync(stoppingToken) == 0)
                {
                    await signal.WaitAsync(_options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogRoundFailed(logger, ex);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await system.Value.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = await ClaimAsync(connection, transaction, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        var outcomes = new Outcome[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count), new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.Concurrency,
            CancellationToken = cancellationToken,
        }, async (i, ct) => outcomes[i] = await SendAsync(due[i], ct));

        await using var batch = new NpgsqlBatch(connection, transaction);
        var now = time.GetUtcNow();
        for (var i = 0; i < due.Count; i++)
        {
            batch.BatchCommands.Add(Record(due[i], outcomes[i], now));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private async Task<List<Due>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand("""
            WITH heads AS (
                SELECT DISTINCT ON (d.subscription_id, d.partition_key) d.id, d.tenant_id, d.subscription_id, d.partition_key, d.seq, d.next_attempt_at
                FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
                WHERE d.status = 'Pending'
                ORDER BY d.subscription_id, d.partition_key, d.seq, d.created_at
            ), due AS (
                SELECT h.id FROM heads h
                WHERE h.next_attempt_at <= now()
                  -- An earlier event of the conversation may not have been fanned out yet (a consumer crashed holding it,
                  -- or a redelivery overtook it): wait until every outbox row between the last delivery that went out and
                  -- this one has been processed, so the receiver still sees seq order.
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox_messages o
                      WHERE o.tenant_id = h.tenant_id AND o.partition_key = h.partition_key AND o.seq < h.seq
                        AND o.seq > coalesce((SELECT max(x.seq) FROM webhook_deliveries x
                                              WHERE x.subscription_id = h.subscription_id AND x.partition_key = h.partition_key
                                                AND x.status <> 'Pending'), 0)
                        AND NOT EXISTS (SELECT 1 FROM processed_messages p
                                        WHERE p.tenant_id = o.tenant_id AND p.consumer = $2 AND p.message_id = o.id))
                ORDER BY h.next_attempt_at LIMIT $1
            )
            SELECT d.id, d.subscription_id, d.event_id, d.payload, d.attempts, d.retry_until,
                   s.url, s.secret_version, s.previous_secret_version, s.previous_secret_expires_at
            FROM webhook_deliveries d JOIN due ON due.id = d.id JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'Pending'
              AND pg_try_advisory_xact_lock(hashtextextended(d.subscription_id::text || d.partition_key::text, 7311))
            FOR UPDATE OF d SKIP LOCKED
            """, connection, transaction);
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.Concurrency * 4 });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = WebhookFanOutConsumer.Name });
        var due = new List<Due>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }
        return due;
    }

    private async Task<Outcome> SendAsync(Due due, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<string> secrets = [signing.Secret(due.SubscriptionId, due.SecretVersion)];
        if (due.PreviousSecretVersion is { } previous && due.PreviousSecretExpiresAt > now)
        {
            secrets.Add(signing.Secret(due.SubscriptionId, previous));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, due.Url)
        {
            Content = new StringContent(due.Payload, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSigning.EventIdHeader, due.EventId.ToString());
        request.Headers.Add(WebhookSigning.SignatureHeader, WebhookSigning.Sign(due.Payload, now.ToUnixTimeSeconds(), [.. secrets]));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("OmniChat-Webhooks", "1"));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode
                ? new Outcome(true, (int)response.StatusCode, null)
                : new Outcome(false, (int)response.StatusCode, $"HTTP {(int)response.StatusCode} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new Outcome(false, null, ex is TaskCanceledException ? $"No answer within {_options.Timeout.TotalSeconds:0} s" : ex.Message);
        }
    }

    private NpgsqlBatchCommand Record(Due due, Outcome outcome, DateTimeOffset now)
    {
        var attempts = due.Attempts + 1;
        if (outcome.Delivered)
        {
            return Command("UPDATE webhook_deliveries SET status = 'Sent', attempts = $2, sent_at = $3, last_status_code = $4, last_error = NULL WHERE id = $1",
                due.Id, attempts, now, outcome.StatusCode, null);
        }
        var next = now + Backoff(attempts);
        if (next > due.RetryUntil)
        {
            LogDead(logger, due.Id, due.SubscriptionId, attempts);
            return Command("UPDATE webhook_deliveries SET status = 'Dead', attempts = $2, dead_at = $3, last_status_code = $4, last_error = $5 WHERE id = $1",
                due.Id, attempts, now, outcome.StatusCode, Truncate(outcome.Error));
        }
        return Command("UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3, last_status_code = $4, last_error = $5 WHERE id = $1",
            due.Id, attempts, next, outcome.StatusCode, Truncate(outcome.Error));
    }

    // BaseDelay × 2^(attempts − 1), at most MaxDelay, ±20 % jitter so that failing receivers are not hit in lockstep.
    private TimeSpan Backoff(int attempts)
    {
        var exponential = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, _options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static string? Truncate(string? error) => error is { Length: > 2000 } ? error[..2000] : error;

    private static NpgsqlBatchCommand Command(string sql, Guid id, int attempts, DateTimeOffset at, int? statusCode, string? error) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = id },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = attempts },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = at },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = statusCode is { } code ? code : DBNull.Value },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = error is null ? DBNull.Value : error },
        },
    };

    private sealed record Due(Guid Id, Guid SubscriptionId, Guid EventId, string Payload, int Attempts, DateTimeOffset RetryUntil, string Url,
        int SecretVersion, int? PreviousSecretVersion, DateTimeOffset? PreviousSecretExpiresAt);

    private sealed record Outcome(bool Delivered, int? StatusCode, string? Error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} of subscription {SubscriptionId} is dead after {Attempts} attempts")]
    private static partial void LogDead(ILogger logger, Guid deliveryId, Guid subscriptionId, int attempts);
}
