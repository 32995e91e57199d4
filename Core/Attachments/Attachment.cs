using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Attachments;

/// <summary>
/// A file uploaded into a conversation (by its visitor or an agent). The bytes live in <see cref="IAttachmentStorage"/>
/// under <see cref="StorageKey"/>; the row says what they are. <see cref="MessageId"/> stays null until a message links it
/// (<see cref="AttachmentLinker"/>); a linked attachment is never linked again.
/// </summary>
public sealed class Attachment : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid ConversationId { get; set; }

    /// <summary>The message that carries it, once one does.</summary>
    public Guid? MessageId { get; set; }

    /// <summary><see cref="AttachmentUploader.Visitor"/> or <see cref="AttachmentUploader.Agent"/>.</summary>
    public required string Uploader { get; set; }

    /// <summary>The sanitised file name (<see cref="AttachmentFileName"/>).</summary>
    public required string Name { get; set; }

    /// <summary>The type the content was sniffed as (never merely the one the uploader declared).</summary>
    public required string ContentType { get; set; }

    public long Size { get; set; }

    /// <summary>Where <see cref="IAttachmentStorage"/> keeps the bytes: <c>{tenant:N}/{id:N}</c>, never user input.</summary>
    public required string StorageKey { get; set; }

    /// <summary>SHA-256 of the content, lowercase hex.</summary>
    public required string Sha256 { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The public shape of the attachment.</summary>
    public AttachmentDescriptor ToDescriptor() => new(Id, Name, ContentType, Size);
}

/// <summary>Who uploaded an attachment.</summary>
public static class AttachmentUploader
{
    public const string Visitor = "visitor";
    public const string Agent = "agent";
}

/// <summary>
/// An attachment as the APIs, the message's stored <c>attachments</c> JSON, the <c>MessageAdded</c> event and the
/// realtime frames show it.
/// </summary>
public sealed record AttachmentDescriptor(Guid Id, string Name, string ContentType, long Size);
