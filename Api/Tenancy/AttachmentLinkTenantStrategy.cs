using OmniChat.Core.Attachments;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// Signed download links (<c>/attachments/{id}?t=…&amp;exp=…&amp;sig=…</c>) carry no credential but their signature: the
/// tenant is the link's <c>t</c> once <see cref="AttachmentLinks.Verify"/> has checked the HMAC over tenant, attachment
/// and expiry. Nothing is read from the database before that, and a link opens only the attachment it names
/// (<see cref="AttachmentLinkPrincipal"/>).
/// </summary>
internal sealed class AttachmentLinkTenantStrategy(AttachmentLinks links) : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http || !http.Request.Path.StartsWithSegments("/attachments", out var rest)
            || !Guid.TryParse(rest.Value.AsSpan().TrimStart('/'), out var attachmentId))
        {
            return null;
        }
        var query = http.Request.Query;
        string? tenant = query["t"], exp = query["exp"], sig = query["sig"];
        if (!links.Verify(attachmentId, tenant, exp, sig))
        {
            return null;
        }
        var tenantId = Guid.ParseExact(tenant!, "N");
        http.Features.Set(new AttachmentLinkPrincipal(tenantId, attachmentId));
        return await store.FindByIdAsync(tenantId, cancellationToken);
    }
}

/// <summary>The tenant and attachment a verified download link opens.</summary>
internal sealed record AttachmentLinkPrincipal(Guid TenantId, Guid AttachmentId);
