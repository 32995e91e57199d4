using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Attachments;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Retention;

/// <summary>Retention settings (section <c>Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>Rows one statement deletes at most: short statements, so a tenant's hot rows are never locked for long.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often the Workers apply every tenant's retention.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What one application of a tenant's retention deleted, and the longest single statement (its longest lock).</summary>
public sealed record RetentionResult(DateTimeOffset Cutoff, long Messages, long Attachments, long Conversations, long Customers, TimeSpan LongestStatement)
{
    public bool DeletedAnything => Messages + Attachments + Conversations + Customers > 0;
}

/// <summary>
/// Applies a tenant's retention period (<c>tenants.retention_days</c>, 365 by default): attachments (their files first, then
/// the rows), messages, conversations left with no message and no activity since, and customers with no conversation and
/// no activity since are deleted when older than the cutoff. Every step deletes at most <see cref="RetentionOptions.BatchSize"/>
/// rows per statement, each statement its own transaction in the tenant's scope (row-level security), so a crash loses
/// nothing but time: the next run picks up where this one stopped. What was deleted is audited as counts only.
/// </summary>
public sealed partial class RetentionSweep(NpgsqlDataSource dataSource, IAttachmentStorage storage, TimeProvider time,
    IOptions<RetentionOptions> options, ILogger<RetentionSweep> logger)
{
    /// <summary>The retention a tenant has until it sets one.</summary>
    public const int DefaultDays = 365;

    /// <summary>The shortest and longest retention a tenant may set.</summary>
    public const int MinDays = 1, MaxDays = 3650;

    /// <summary>Deletes what of <paramref name="tenantId"/>'s data is older than <paramref name="retentionDays"/>.</summary>
    public async Task<RetentionResult> ApplyAsync(Guid tenantId, int retentionDays, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(Math.Clamp(retentionDays, MinDays, MaxDays));
        var batch = options.Value.BatchSize;
        var longest = TimeSpan.Zero;

        long attachments = 0;
        while (true)
        {
            var due = await DueAttachmentsAsync(tenantId, cutoff, batch, cancellationToken);
            if (due.Count == 0)
            {
                break;
            }
            // Files first: a crash between the two leaves rows whose files are gone, which the next run deletes.
            foreach (var (_, key) in due)
            {
                await storage.DeleteAsync(key, cancellationToken);
            }
            var (deleted, took) = await ExecuteAsync(tenantId, "DELETE FROM attachments WHERE tenant_id = $1 AND id = ANY ($2)",
                cancellationToken, Param(NpgsqlDbType.Array | NpgsqlDbType.Uuid, due.Select(d => d.Id).ToArray()));
            attachments += deleted;
            longest = Max(longest, took);
            if (due.Count < batch)
            {
                break;
            }
        }

        var (messages, messagesLongest) = await DeleteInBatchesAsync(tenantId, """
            DELETE FROM messages WHERE tenant_id = $1 AND id IN (
                SELECT id FROM messages WHERE tenant_id = $1 AND created_at < $2 LIMIT $3)
            """, cutoff, batch, cancellationToken);
        var (conversations, conversationsLongest) = await DeleteInBatchesAsync(tenantId, """
            DELETE FROM conversations WHERE tenant_id = $1 AND id IN (
                SELECT c.id FROM conversations c
                WHERE c.tenant_id = $1 AND c.updated_at < $2
                  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.conversation_id = c.id)
                LIMIT $3)
            """, cutoff, batch, cancellationToken);
        var (customers, customersLongest) = await DeleteInBatchesAsync(tenantId, """
            DELETE FROM customers WHERE tenant_id = $1 AND id IN (
                SELECT u.id FROM customers u
                WHERE u.tenant_id = $1 AND u.updated_at < $2
                  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.tenant_id = $1 AND c.customer_id = u.id)
                LIMIT $3)
            """, cutoff, batch, cancellationToken);
        longest = Max(longest, Max(messagesLongest, Max(conversationsLongest, customersLongest)));

        var result = new RetentionResult(cutoff, messages, attachments, conversations, customers, longest);
        if (result.DeletedAnything)
        {
            await AuditAsync(tenantId, retentionDays, result, cancellationToken);
            LogApplied(logger, tenantId, messages, attachments, conversations, customers, longest.TotalMilliseconds);
        }
        return result;
    }

    private async Task<(long Deleted, TimeSpan Longest)> DeleteInBatchesAsync(Guid tenantId, string sql, DateTimeOffset cutoff, int batch,
        CancellationToken cancellationToken)
    {
        long total = 0;
        var longest = TimeSpan.Zero;
        while (true)
        {
            var (deleted, took) = await ExecuteAsync(tenantId, sql, cancellationToken,
                Param(NpgsqlDbType.TimestampTz, cutoff), Param(NpgsqlDbType.Integer, batch));
            total += deleted;
            longest = Max(longest, took);
            if (deleted < batch)
            {
                return (total, longest);
            }
        }
    }

    private async Task<List<(Guid Id, string Key)>> DueAttachmentsAsync(Guid tenantId, DateTimeOffset cutoff, int batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateTenantBatch(tenantId);
        command.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT id, storage_key FROM attachments WHERE tenant_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3")
        {
            Parameters = { Param(NpgsqlDbType.Uuid, tenantId), Param(NpgsqlDbType.TimestampTz, cutoff), Param(NpgsqlDbType.Integer, batch) },
        });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        var due = new List<(Guid, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        return due;
    }

    // One statement in its own transaction (the tenant batch), timed: how long it held what it locked.
    private async Task<(long Deleted, TimeSpan Took)> ExecuteAsync(Guid tenantId, string sql, CancellationToken cancellationToken,
        params NpgsqlParameter[] parameters)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(Param(NpgsqlDbType.Uuid, tenantId));
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
        var clock = Stopwatch.StartNew();
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (command.RecordsAffected, clock.Elapsed);
    }

    private async Task AuditAsync(Guid tenantId, int retentionDays, RetentionResult result, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var details = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["retentionDays"] = retentionDays, ["cutoff"] = result.Cutoff, ["messages"] = result.Messages, ["attachments"] = result.Attachments,
            ["conversations"] = result.Conversations, ["customers"] = result.Customers,
        });
        await ExecuteAsync(tenantId, $"""
            INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, request_id, details, occurred_at)
            VALUES ($2, $1, 'system', 'system', '{RetentionPeriod.AppliedAction}', 'tenant', $1::text, NULL, $3, $4)
            """, cancellationToken, Param(NpgsqlDbType.Uuid, Guid.CreateVersion7(now)), Param(NpgsqlDbType.Jsonb, details),
            Param(NpgsqlDbType.TimestampTz, now));
    }

    private static NpgsqlParameter Param(NpgsqlDbType type, object value) => new() { NpgsqlDbType = type, Value = value };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retention of tenant {TenantId}: deleted {Messages} messages, {Attachments} attachments, {Conversations} conversations, {Customers} customers; longest statement {LongestMs} ms")]
    private static partial void LogApplied(ILogger logger, Guid tenantId, long messages, long attachments, long conversations, long customers, double longestMs);
}
