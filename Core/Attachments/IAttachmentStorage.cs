namespace OmniChat.Core.Attachments;

/// <summary>Where attachment bytes live. Keys are made by OmniChat (<c>{tenant:N}/{id:N}</c>), never by a user.</summary>
public interface IAttachmentStorage
{
    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/>, reading it to its end as it goes (never holding the
    /// whole of it). When reading or writing fails (the stream throws when a size limit is passed), nothing stays stored
    /// under the key: a partial object is deleted before the exception leaves.
    /// </summary>
    Task WriteAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>The stored bytes, or null when there is nothing under <paramref name="key"/>.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes what is stored under <paramref name="key"/> (nothing there is fine).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
