using Microsoft.Extensions.Options;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Attachments;

namespace OmniChat.AdminPortal.Inbox;

/// <summary>Signed, short-lived download links of attachments, pointing at the Api's <c>GET /attachments/{id}</c>.</summary>
internal sealed class AttachmentUrls(AttachmentLinks links, IOptions<PortalUrlOptions> options)
{
    /// <summary>A link to <paramref name="attachmentId"/> of <paramref name="tenantId"/> on the Api (under its base path, if any).</summary>
    public string For(Guid tenantId, Guid attachmentId) =>
        new Uri(options.Value.ApiUrl!, links.Create(tenantId, attachmentId).PathAndQuery.TrimStart('/')).ToString();
}
