using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Persistence;
using OmniChat.Core.Webhooks;
using OmniChat.Workers.Delivery;

namespace OmniChat.Workers.Webhooks;

/// <summary>
/// Sends due webhook deliveries across tenants (system role). Per subscription and conversation only the oldest pending
/// delivery is due, and only once every earlier event of the conversation has been fanned out, so a receiver gets one
/// conversation's events in seq order. Deliveries are claimed with a lease in one short statement, sent with no
/// transaction open, and each outcome is recorded on its own as soon as it is known (ADR 0022): a hanging receiver
/// holds only its own deliveries. At most <see cref="WebhookOptions.PerTenantConcurrency"/> of a tenant's deliveries are
/// in flight at once, so one tenant's slow or hanging endpoints leave the other slots to other tenants. A 2xx answer
/// marks the delivery sent; anything else (or a timeout) schedules a retry with exponential backoff and jitter until the
/// retry window closes, then the delivery is dead (the dead-letter store) and the conversation's next event goes.
/// </summary>
internal sealed partial class WebhookSender(SystemDataSource system, WebhookSigning signing, WebhookTargetPolicy policy, IOptions<WebhookOptions> options,
    WebhookSenderSignal signal, TimeProvider time, ILogger<WebhookSender> logger) : FairDeliveryLoop(signal, logger)
{
    private readonly WebhookOptions _options = options.Value;
    private readonly HttpClient _http = new(policy.CreateHandler()) { Timeout = options.Value.Timeout };

    /// <summary>A lease outlives the receiver's timeout, so a delivery is never sent twice at once.</summary>
    private TimeSpan Lease => _options.Timeout + TimeSpan.FromSeconds(5);

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override int Concurrency => _options.Concurrency;

    protected override int PerTenantConcurrency => _options.PerTenantConcurrency;

    protected override TimeSpan PollInterval => _options.PollInterval;

    protected override void LogStarted() => LogSystemScope(logger);

    // Claims up to `free` due deliveries (no tenant beyond its share) and starts sending each; returns how many.
    protected override async Task<int> ClaimAsync(int free, IReadOnlyDictionary<Guid, int> busy, CancellationToken cancellationToken)
    {
        var leaseId = Guid.NewGuid();
        await using var connection = await system.Value.OpenConnectionAsync(cancellationToken);
        await using var claim = new NpgsqlCommand("""
            WITH heads AS (
                SELECT DISTINCT ON (d.subscription_id, d.partition_key) d.id, d.tenant_id, d.subscription_id, d.partition_key, d.seq,
                       d.next_attempt_at, d.leased_until
                FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
                WHERE d.status = 'Pending'
                ORDER BY d.subscription_id, d.partition_key, d.seq, d.created_at
            ), due AS (
                SELECT h.id, h.tenant_id, h.next_attempt_at FROM heads h
                WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
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
            ), fair AS (
                -- Each tenant gets at most its free share; the oldest due deliveries first across tenants.
                SELECT due.id, due.next_attempt_at FROM (
                    SELECT due.*, row_number() OVER (PARTITION BY due.tenant_id ORDER BY due.next_attempt_at) AS n FROM due) due
                LEFT JOIN unnest($3::uuid[], $4::int[]) AS b(tenant_id, in_flight) ON b.tenant_id = due.tenant_id
                WHERE due.n <= $5 - coalesce(b.in_flight, 0)
                ORDER BY due.next_attempt_at LIMIT $1
            )
            UPDATE webhook_deliveries d SET lease_id = $6, leased_until = now() + $7
            FROM fair, webhook_subscriptions s
            WHERE d.id = fair.id AND s.id = d.subscription_id AND d.status = 'Pending'
              -- Re-checked on the row's latest version: a delivery another sender leased meanwhile is skipped.
              AND (d.leased_until IS NULL OR d.leased_until < now())
            RETURNING d.id, d.tenant_id, d.subscription_id, d.event_id, d.payload, d.attempts, d.retry_until,
                      s.url, s.secret_version, s.previous_secret_version, s.previous_secret_expires_at
            """, connection);
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = free });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = WebhookFanOutConsumer.Name });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = busy.Keys.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = busy.Values.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.PerTenantConcurrency });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = leaseId });
        claim.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = Lease });
        var due = new List<Due>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetString(4), reader.GetInt32(5),
                    reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetInt32(9),
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10), leaseId));
            }
        }
        foreach (var delivery in due)
        {
            Start(delivery.TenantId, () => DeliverAsync(delivery, cancellationToken));
        }
        return due.Count;
    }

    private async Task DeliverAsync(Due due, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await SendAsync(due, cancellationToken);
            WebhookMetrics.Attempted(due.TenantId, outcome.Delivered);
            await using var record = Record(due, outcome, time.GetUtcNow());
            record.Connection = await system.Value.OpenConnectionAsync(CancellationToken.None);
            await using var connection = record.Connection;
            await record.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the lease lapses and the delivery is sent again (its outcome is unknown here).
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The outcome is lost; the lease lapses and the delivery is tried again (receivers deduplicate on the event id).
            LogRecordFailed(logger, due.Id, ex);
        }
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

    // Fenced by the lease: if it lapsed and another sender took the delivery, this outcome is dropped (that sender records its own).
    private NpgsqlCommand Record(Due due, Outcome outcome, DateTimeOffset now)
    {
        var attempts = due.Attempts + 1;
        if (outcome.Delivered)
        {
            return Command("""
                UPDATE webhook_deliveries SET status = 'Sent', attempts = $2, sent_at = $3, last_status_code = $4, last_error = NULL,
                    lease_id = NULL, leased_until = NULL
                WHERE id = $1 AND lease_id = $6
                """, due, attempts, now, outcome.StatusCode, null);
        }
        var next = now + Backoff(attempts);
        if (next > due.RetryUntil)
        {
            LogDead(logger, due.Id, due.SubscriptionId, attempts);
            return Command("""
                UPDATE webhook_deliveries SET status = 'Dead', attempts = $2, dead_at = $3, last_status_code = $4, last_error = $5,
                    lease_id = NULL, leased_until = NULL
                WHERE id = $1 AND lease_id = $6
                """, due, attempts, now, outcome.StatusCode, Truncate(outcome.Error));
        }
        return Command("""
            UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3, last_status_code = $4, last_error = $5,
                lease_id = NULL, leased_until = NULL
            WHERE id = $1 AND lease_id = $6
            """, due, attempts, next, outcome.StatusCode, Truncate(outcome.Error));
    }

    // BaseDelay × 2^(attempts − 1), at most MaxDelay, ±20 % jitter so that failing receivers are not hit in lockstep.
    private TimeSpan Backoff(int attempts)
    {
        var exponential = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, _options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static string? Truncate(string? error) => error is { Length: > 2000 } ? error[..2000] : error;

    private static NpgsqlCommand Command(string sql, Due due, int attempts, DateTimeOffset at, int? statusCode, string? error) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.Id },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = attempts },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = at },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = statusCode is { } code ? code : DBNull.Value },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = error is null ? DBNull.Value : error },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = due.LeaseId },
        },
    };

    private sealed record Due(Guid Id, Guid TenantId, Guid SubscriptionId, Guid EventId, string Payload, int Attempts, DateTimeOffset RetryUntil,
        string Url, int SecretVersion, int? PreviousSecretVersion, DateTimeOffset? PreviousSecretExpiresAt, Guid LeaseId);

    private sealed record Outcome(bool Delivered, int? StatusCode, string? Error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook sender: claims due deliveries of every tenant on the system role (raw SQL, ADR 0003)")]
    private static partial void LogSystemScope(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the outcome of webhook delivery {DeliveryId} failed; it is sent again when its lease lapses")]
    private static partial void LogRecordFailed(ILogger logger, Guid deliveryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} of subscription {SubscriptionId} is dead after {Attempts} attempts")]
    private static partial void LogDead(ILogger logger, Guid deliveryId, Guid subscriptionId, int attempts);
}
