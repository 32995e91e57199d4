using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Attachments;

/// <summary>
/// Lets a message carry uploaded attachments. Use it right before <see cref="ConversationWriter.AddMessageAsync"/>:
/// <code>
/// source = await linker.AttachAsync(tenant, conversationId, source, request.AttachmentIds, request.ClientMessageId, cancellationToken);
/// var added = await writer.AddMessageAsync(tenant, conversationId, source, text, clientMessageId, cancellationToken);
/// </code>
/// It checks each id (at most <see cref="MaxPerMessage"/>) is an attachment of that conversation, uploaded by the message's
/// side (a visitor's message takes the visitor's uploads, an agent's reply the agents'), not yet on a message; and returns
/// <c>source</c> carrying their descriptors (<see cref="MessageSource.Attachments"/>, JSON, and
/// <see cref="MessageSource.LinkedAttachments"/>). The writer then links them to the new message in the message's own
/// statement: if another message took one of them in the meantime, nothing is written (409 <c>attachment_already_linked</c>).
/// A repeated send (its <c>clientMessageId</c> already has a message in the conversation) links nothing and leaves
/// <c>source</c> as it is, so the writer answers with the first message, attachments included, as for any repeat.
/// </summary>
/// <remarks>
/// Errors: 400 <c>validation_failed</c> (more than 10 ids, field <c>attachmentIds</c>), 404 <c>attachment_not_found</c>
/// (unknown, another conversation's or another tenant's, or the other side's upload), 409 <c>attachment_already_linked</c>.
/// No id (null or empty) returns <c>source</c> unchanged. Nothing is held open across the call.
/// </remarks>
public sealed class AttachmentLinker(OmniChatDbContext db)
{
    /// <summary>The most attachments one message carries.</summary>
    public const int MaxPerMessage = 10;

    /// <summary>See the class summary.</summary>
    public async Task<MessageSource> AttachAsync(TenantInfo tenant, Guid conversationId, MessageSource source, IReadOnlyCollection<Guid>? attachmentIds,
        Guid? clientMessageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(source);
        if (attachmentIds is null || attachmentIds.Count == 0)
        {
            return source;
        }
        var ids = attachmentIds.Distinct().ToList();
        if (ids.Count > MaxPerMessage)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["attachmentIds"] = [$"At most {MaxPerMessage} attachments."] });
        }
        var uploader = source.Direction == MessageDirection.Inbound ? AttachmentUploader.Visitor : AttachmentUploader.Agent;
        var found = await db.Attachments.AsNoTracking()
            .Where(a => a.TenantId == tenant.Id && a.ConversationId == conversationId && a.Uploader == uploader && ids.Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, cancellationToken);
        if (ids.FirstOrDefault(id => !found.ContainsKey(id)) is var missing && missing != Guid.Empty)
        {
            throw new NotFoundException("attachment_not_found", "The attachment does not exist.") { Extensions = { ["attachmentId"] = missing } };
        }
        if (found.Values.FirstOrDefault(a => a.MessageId is not null) is { } linked)
        {
            if (clientMessageId is { } key
                && await db.Messages.AnyAsync(m => m.ConversationId == conversationId && m.ClientMessageId == key, cancellationToken))
            {
                return source;
            }
            throw AlreadyLinked(linked.Id);
        }
        var descriptors = ids.Select(id => found[id].ToDescriptor()).ToList();
        return source with
        {
            Attachments = JsonSerializer.Serialize(descriptors, CoreJson.Default.IReadOnlyListAttachmentDescriptor),
            LinkedAttachments = descriptors,
        };
    }

    /// <summary>The uploaded attachments in a message's stored <c>attachments</c> JSON (other entries, such as Telegram file references, are left out).</summary>
    public static IReadOnlyList<AttachmentDescriptor>? Read(string? attachmentsJson)
    {
        if (string.IsNullOrEmpty(attachmentsJson))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(attachmentsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            var list = new List<AttachmentDescriptor>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.TryGetGuid(out var guid)
                    && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("contentType", out var type) && type.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var bytes))
                {
                    list.Add(new AttachmentDescriptor(guid, name.GetString()!, type.GetString()!, bytes));
                }
            }
            return list.Count == 0 ? null : list;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static ConflictException AlreadyLinked(Guid? attachmentId) =>
        new("attachment_already_linked", "The attachment is already on a message.") { Extensions = { ["attachmentId"] = attachmentId } };
}
