using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniChat.Core;
using OmniChat.Core.Attachments;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Errors;
using OmniChat.Core.Tenancy;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>What an agent's files in a topic became: the message's <c>attachments</c> JSON and the uploads it links.</summary>
internal sealed record InboundAttachments(string? Json, IReadOnlyList<AttachmentDescriptor>? Linked, bool AllStored);

/// <summary>
/// Brings the files an agent sends in a topic to the visitor as real attachments: each is downloaded from Telegram
/// (<c>getFile</c> and the file URL, into a temporary file; no database transaction is open meanwhile) and taken in by
/// <see cref="AttachmentIntake"/> like an upload (sniffed, the tenant's types, the plan's size; uploader <c>agent</c>).
/// The attachment id comes from the Telegram message and the file's <c>file_unique_id</c>, so an update handled twice
/// stores each file once. A file that cannot be taken in (a type the tenant does not accept, too large, Telegram
/// refusing it) stays on the message as the Telegram reference it was before.
/// </summary>
internal sealed partial class InboundFiles(IServiceScopeFactory scopes, TelegramSender sender, ILogger<InboundFiles> logger)
{
    public async Task<InboundAttachments> StoreAsync(InboundChannel channel, Guid conversationId, InboundMessage message, CancellationToken cancellationToken)
    {
        if (message.Files.Count == 0)
        {
            return new InboundAttachments(null, null, AllStored: false);
        }
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ITenantContext>().Use(channel.Tenant);
        var intake = scope.ServiceProvider.GetRequiredService<AttachmentIntake>();
        var maxBytes = await intake.MaxBytesAsync(channel.Tenant, cancellationToken);
        var stored = new List<AttachmentDescriptor>();
        var entries = new JsonArray();
        foreach (var file in message.Files)
        {
            if (await StoreOneAsync(channel, conversationId, message, file, intake, maxBytes, cancellationToken) is { } descriptor)
            {
                stored.Add(descriptor);
                entries.Add(JsonSerializer.SerializeToNode(descriptor, CoreJson.Default.AttachmentDescriptor));
            }
            else
            {
                entries.Add(new JsonObject
                {
                    ["source"] = "telegram", ["kind"] = file.Kind, ["fileId"] = file.FileId, ["fileUniqueId"] = file.FileUniqueId,
                    ["fileName"] = file.FileName, ["mimeType"] = file.MimeType, ["size"] = file.Size,
                });
            }
        }
        return new InboundAttachments(entries.ToJsonString(), stored.Count == 0 ? null : stored, AllStored: stored.Count == message.Files.Count);
    }

    private async Task<AttachmentDescriptor?> StoreOneAsync(InboundChannel channel, Guid conversationId, InboundMessage message, TelegramFileRef file,
        AttachmentIntake intake, long maxBytes, CancellationToken cancellationToken)
    {
        if (file.Kind is not ("photo" or "document") || file.Size > maxBytes)
        {
            return null;
        }
        var id = AttachmentId(channel, message, file);
        if (await intake.ExistingAsync(id, cancellationToken) is { } stored)
        {
            return stored; // the update is handled again: the file was taken in the first time
        }
        var path = Path.Combine(Path.GetTempPath(), $"omnichat-tg-{id:N}");
        try
        {
            await using var temp = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            await sender.DownloadFileAsync(channel.Bot, file.FileId, temp, cancellationToken);
            var name = file.FileName ?? (file.Kind == "photo" ? "photo.jpg" : "file");
            return await intake.ReceiveAsync(channel.Tenant, conversationId, AttachmentUploader.Agent, name, file.MimeType, temp, cancellationToken, id);
        }
        catch (TelegramSendException ex)
        {
            LogNotStored(logger, channel.Tenant.Id, conversationId, file.Kind, ex.Message, ex);
        }
        catch (DomainException ex)
        {
            LogNotStored(logger, channel.Tenant.Id, conversationId, file.Kind, ex.Code, ex);
        }
        return null;
    }

    /// <summary>The attachment a Telegram file of a message becomes: the same message and file always give the same id.</summary>
    public static Guid AttachmentId(InboundChannel channel, InboundMessage message, TelegramFileRef file)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"telegram-file:{channel.Tenant.Id:N}:{channel.Bot.Id}:{message.ChatId}:{message.MessageId}:{file.FileUniqueId}"), hash);
        var bytes = hash[..16].ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // version 8 (custom), as the client message ids of Telegram messages
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A Telegram {Kind} in conversation {ConversationId} (tenant {TenantId}) was not stored as an attachment ({Reason}); the message keeps its reference")]
    private static partial void LogNotStored(ILogger logger, Guid tenantId, Guid conversationId, string kind, string reason, Exception exception);
}
