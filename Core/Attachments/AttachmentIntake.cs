using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;

namespace OmniChat.Core.Attachments;

/// <summary>
/// Takes one uploaded file into a conversation: sniffs its first bytes, checks them against the declared type and the
/// tenant's allowlist (415 <c>unsupported_media_type</c>), streams it into storage while counting and hashing, stops at
/// the plan's <see cref="Plan.AttachmentMaxBytes"/> (413 <c>attachment_too_large</c>) or at what is left of its
/// <see cref="Plan.StorageBytes"/> (402 <c>limit_exceeded</c> naming <c>storageBytes</c>), and records it. Whatever fails, nothing stays stored.
/// </summary>
public sealed partial class AttachmentIntake(OmniChatDbContext db, NpgsqlDataSource dataSource, IAttachmentStorage storage, PlanCatalog plans,
    IOptions<AttachmentOptions> options, TimeProvider time, ILogger<AttachmentIntake> logger)
{
    /// <summary>The limit an upload past the tenant's stored bytes names in its <see cref="LimitExceededException"/>.</summary>
    public const string StorageLimitName = "storageBytes";

    /// <summary>
    /// Stores <c>content</c> (read once, to its end or to the limit) into the conversation and returns what was stored.
    /// <c>uploader</c> is <see cref="AttachmentUploader.Visitor"/> or <see cref="AttachmentUploader.Agent"/>; <c>fileName</c>
    /// the name the uploader gave (sanitised here); <c>declaredType</c> the part's <c>Content-Type</c>, if any. <c>id</c>
    /// makes the intake repeat-safe for a caller that can name the file itself (a Telegram file of an update): when an
    /// attachment with that id already exists, it is returned as it is and nothing more is stored.
    /// </summary>
    public async Task<AttachmentDescriptor> ReceiveAsync(TenantInfo tenant, Guid conversationId, string uploader, string? fileName, string? declaredType,
        Stream content, CancellationToken cancellationToken, Guid? id = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(content);
        if (uploader is not (AttachmentUploader.Visitor or AttachmentUploader.Agent))
        {
            throw new ArgumentOutOfRangeException(nameof(uploader), uploader, "visitor or agent");
        }
        if (id is { } given && await ExistingAsync(given, cancellationToken) is { } existing)
        {
            return existing;
        }
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, cancellationToken))
        {
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }

        var plan = await plans.GetAsync(tenant.PlanId, cancellationToken);
        var maxBytes = options.Value.MaxBytesFor(plan);
        long? storageLimit = plan.StorageBytes > 0 ? plan.StorageBytes : null;
        var remaining = long.MaxValue;
        if (storageLimit is { } limit)
        {
            var stored = await StoredBytesAsync(cancellationToken);
            remaining = limit - stored;
            if (remaining <= 0)
            {
                throw StorageFull(stored, limit);
            }
        }

        var head = new byte[AttachmentContent.SniffLength];
        var headLength = await FillAsync(content, head, cancellationToken);
        if (headLength == 0)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["file"] = ["The file is empty."] });
        }
        var sniffed = AttachmentContent.Sniff(head.AsSpan(0, headLength), complete: headLength < head.Length);
        var contentType = await AcceptedTypeAsync(sniffed, declaredType, cancellationToken);

        var attachmentId = id ?? Guid.CreateVersion7(time.GetUtcNow());
        var key = $"{tenant.Id:N}/{attachmentId:N}";
        await using var metered = new MeteredStream(head.AsMemory(0, headLength), content, Math.Min(maxBytes, remaining));
        try
        {
            await storage.WriteAsync(key, metered, cancellationToken);
        }
        catch (SizeLimitExceededException)
        {
            // The storage removed its partial object; make sure of it before answering.
            await DeleteQuietlyAsync(key);
            throw metered.Count > maxBytes ? TooLarge(maxBytes) : StorageFull(storageLimit!.Value - remaining, storageLimit.Value);
        }
        catch
        {
            await DeleteQuietlyAsync(key);
            throw;
        }

        var attachment = new Attachment
        {
            Id = attachmentId, TenantId = tenant.Id, ConversationId = conversationId, Uploader = uploader, Name = AttachmentFileName.Sanitize(fileName),
            ContentType = contentType, Size = metered.Count, StorageKey = key, Sha256 = metered.Sha256Hex(), CreatedAt = time.GetUtcNow(),
        };
        bool recorded;
        try
        {
            recorded = await RecordAsync(attachment, storageLimit, cancellationToken);
        }
        catch (PostgresException ex) when (id is not null && ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The same named file raced in and was recorded first: the bytes under its key are the same, keep them.
            return await ExistingAsync(attachmentId, cancellationToken)
                   ?? throw new InvalidOperationException($"Attachment {attachmentId} was recorded and is gone.", ex);
        }
        catch
        {
            await DeleteQuietlyAsync(key);
            throw;
        }
        if (!recorded)
        {
            // Concurrent uploads filled the storage while this one was streaming.
            await DeleteQuietlyAsync(key);
            throw StorageFull(await StoredBytesAsync(CancellationToken.None), storageLimit!.Value);
        }
        return attachment.ToDescriptor();
    }

    /// <summary>The attachment with <paramref name="attachmentId"/> in the tenant, or null (a named intake's repeat check).</summary>
    public async Task<AttachmentDescriptor?> ExistingAsync(Guid attachmentId, CancellationToken cancellationToken) =>
        (await db.Attachments.AsNoTracking().Where(a => a.Id == attachmentId).ToListAsync(cancellationToken)).FirstOrDefault()?.ToDescriptor();

    /// <summary>The largest file the tenant's plan accepts.</summary>
    public async Task<long> MaxBytesAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return options.Value.MaxBytesFor(await plans.GetAsync(tenant.PlanId, cancellationToken));
    }

    private async Task<string> AcceptedTypeAsync(string? sniffed, string? declaredType, CancellationToken cancellationToken)
    {
        var reconciled = sniffed is null ? null : AttachmentContent.Reconcile(sniffed, declaredType);
        var allowed = await AllowedTypesAsync(cancellationToken);
        if (reconciled is null || !allowed.Contains(reconciled, StringComparer.Ordinal))
        {
            throw new DomainException(415, "unsupported_media_type",
                reconciled is null && sniffed is not null
                    ? "The file's content does not match its declared type."
                    : "This type of file is not accepted.")
            {
                Extensions = { ["types"] = allowed },
            };
        }
        return reconciled;
    }

    /// <summary>The tenant's accepted types (its own list, or the defaults).</summary>
    public async Task<IReadOnlyList<string>> AllowedTypesAsync(CancellationToken cancellationToken) =>
        await db.Tenants.AsNoTracking().Select(t => t.AttachmentTypes).SingleOrDefaultAsync(cancellationToken) is { Count: > 0 } own
            ? own
            : AttachmentOptions.DefaultTypes;

    // One statement: the row goes in only while the tenant's stored bytes stay within the plan.
    private async Task<bool> RecordAsync(Attachment a, long? storageLimit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(a.TenantId);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO attachments (id, tenant_id, conversation_id, message_id, uploader, name, content_type, size, storage_key, sha256, created_at)
            SELECT $1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10
            WHERE $11::bigint IS NULL OR (SELECT coalesce(sum(size), 0) FROM attachments WHERE tenant_id = $2) + $7 <= $11
            """)
        {
            Parameters =
            {
                new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = a.Id },
                new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = a.TenantId },
                new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = a.ConversationId },
                new() { NpgsqlDbType = NpgsqlDbType.Text, Value = a.Uploader },
                new() { NpgsqlDbType = NpgsqlDbType.Text, Value = a.Name },
                new() { NpgsqlDbType = NpgsqlDbType.Text, Value = a.ContentType },
                new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = a.Size },
                new() { NpgsqlDbType = NpgsqlDbType.Text, Value = a.StorageKey },
                new() { NpgsqlDbType = NpgsqlDbType.Text, Value = a.Sha256 },
                new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = a.CreatedAt },
                new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = storageLimit is { } l ? l : DBNull.Value },
            },
        });
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await storage.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeleteFailed(logger, ex, key);
        }
    }

    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    private static DomainException TooLarge(long maxBytes) =>
        new(413, "attachment_too_large", $"The file is larger than {maxBytes} bytes, the most this plan allows.") { Extensions = { ["maxBytes"] = maxBytes } };

    private async Task<long> StoredBytesAsync(CancellationToken cancellationToken) =>
        await db.Attachments.SumAsync(a => (long?)a.Size, cancellationToken) ?? 0;

    // A limit no period resets: deleting files (or the retention period) or a larger plan makes room.
    private static LimitExceededException StorageFull(long used, long max) =>
        new(StorageLimitName, used, max,
            $"The plan's storageBytes limit is reached: {used} of {max} bytes are stored and this file does not fit; nothing was stored.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the aborted attachment object {StorageKey}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string storageKey);
}
