using Microsoft.Extensions.Options;
using OmniChat.Core.Attachments;

namespace OmniChat.AdminPortal.Inbox;

/// <summary>Where the portal's browsers reach the Api (attachment downloads are served there, not by the portal).</summary>
internal sealed class PortalApiOptions
{
    /// <summary><c>Portal:ApiBaseUrl</c>, else the Api's service-discovery address (<c>services__api__http__0</c>).</summary>
    public Uri? BaseUrl { get; set; }
}

/// <summary>Signed, short-lived download links of attachments, pointing at the Api's <c>GET /attachments/{id}</c>.</summary>
internal sealed class AttachmentUrls(AttachmentLinks links, IOptions<PortalApiOptions> options)
{
    /// <summary>Whether links can be made (the Api's address is known).</summary>
    public bool Available => options.Value.BaseUrl is not null;

    /// <summary>A link to <paramref name="attachmentId"/> of <paramref name="tenantId"/>, or null without the Api's address.</summary>
    public string? For(Guid tenantId, Guid attachmentId) => options.Value.BaseUrl is { } api
        ? new Uri(api, links.Create(tenantId, attachmentId).PathAndQuery).ToString()
        : null;
}
