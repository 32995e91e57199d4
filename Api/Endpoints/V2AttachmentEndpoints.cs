using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using OmniChat.Api.Errors;
using OmniChat.Api.OpenApi;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Attachments;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Attachments (docs/api.md#attachments): uploads by the visitor (conversation token) and by agents (API key), short-lived
/// signed download links, and the download itself, which needs no credential but the link's signature.
/// </summary>
internal static class V2AttachmentEndpoints
{
    public static IEndpointRouteBuilder MapV2AttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        var widget = app.MapGroup("/v2/widget/attachments").WithTags("v2 attachments");
        widget.MapPost("/", UploadAsVisitor).WithName("V2WidgetUploadAttachment").WithCredential(Credential.ConversationToken).AcceptsFile()
            .WithSummary("Upload a file into the token's conversation (multipart/form-data, one part `file`); link it to a message with `attachmentIds`.")
            .Problems(ProblemCodes.ValidationFailed, ProblemCodes.ConversationNotFound, ProblemCodes.AttachmentTooLarge, ProblemCodes.LimitExceeded);
        widget.MapGet("/{id:guid}", LinkForVisitor).WithName("V2WidgetAttachmentLink").WithCredential(Credential.ConversationToken)
            .WithSummary("A signed download link (5 minutes) to an attachment of the token's conversation.")
            .Problems(ProblemCodes.AttachmentNotFound);

        var agents = app.MapGroup("/v2/conversations/{id:guid}/attachments").WithTags("v2 attachments");
        agents.MapPost("/", UploadAsAgent).RequireScope(ApiScopes.ConversationsWrite).WithName("V2UploadAttachment").AcceptsFile()
            .WithSummary("Upload a file into the conversation as an agent (multipart/form-data, one part `file`); a reply links it with `attachmentIds`.")
            .Problems(ProblemCodes.ValidationFailed, ProblemCodes.ConversationNotFound, ProblemCodes.AttachmentTooLarge, ProblemCodes.LimitExceeded);
        agents.MapGet("/{attachmentId:guid}", LinkForAgent).RequireScope(ApiScopes.ConversationsRead).WithName("V2AttachmentLink")
            .WithSummary("A signed download link (5 minutes) to an attachment of the conversation.")
            .Problems(ProblemCodes.AttachmentNotFound);

        app.MapGet("/attachments/{id:guid}", Download).WithTags("v2 attachments").WithName("DownloadAttachment").WithCredential(Credential.None)
            .WithSummary("The file behind a signed link (`t`, `exp`, `sig` as the link has them); raster images inline, anything else as a download.")
            .ProducesFile()
            .Problems(ProblemCodes.AttachmentLinkInvalid, ProblemCodes.AttachmentNotFound);
        return app;
    }

    internal static async Task<Created<AttachmentDescriptor>> UploadAsVisitor(HttpContext http, ITenantContext tenants, AttachmentIntake intake,
        CancellationToken cancellationToken)
    {
        var visitor = RequireVisitor(http);
        var stored = await MultipartUpload.ReceiveAsync(http, intake, tenants.RequireTenant(), visitor.ConversationId, AttachmentUploader.Visitor,
            cancellationToken);
        return TypedResults.Created($"/v2/widget/attachments/{stored.Id}", stored);
    }

    internal static async Task<Created<AttachmentDescriptor>> UploadAsAgent(Guid id, HttpContext http, ITenantContext tenants, AttachmentIntake intake,
        CancellationToken cancellationToken)
    {
        var stored = await MultipartUpload.ReceiveAsync(http, intake, tenants.RequireTenant(), id, AttachmentUploader.Agent, cancellationToken);
        return TypedResults.Created($"/v2/conversations/{id}/attachments/{stored.Id}", stored);
    }

    /// <summary>The visitor sees its own uploads and whatever a message of its conversation carries, never an agent's draft.</summary>
    internal static async Task<Ok<AttachmentLinkResponse>> LinkForVisitor(Guid id, HttpContext http, ITenantContext tenants, OmniChatDbContext db,
        AttachmentLinks links, CancellationToken cancellationToken)
    {
        var visitor = RequireVisitor(http);
        var visible = await db.Attachments.AsNoTracking().AnyAsync(a => a.Id == id && a.ConversationId == visitor.ConversationId
            && (a.Uploader == AttachmentUploader.Visitor || a.MessageId != null), cancellationToken);
        return visible ? TypedResults.Ok(Link(http, links, tenants.RequireTenant(), id)) : throw AttachmentNotFound();
    }

    internal static async Task<Ok<AttachmentLinkResponse>> LinkForAgent(Guid id, Guid attachmentId, HttpContext http, ITenantContext tenants,
        OmniChatDbContext db, AttachmentLinks links, CancellationToken cancellationToken)
    {
        var exists = await db.Attachments.AsNoTracking().AnyAsync(a => a.Id == attachmentId && a.ConversationId == id, cancellationToken);
        return exists ? TypedResults.Ok(Link(http, links, tenants.RequireTenant(), attachmentId)) : throw AttachmentNotFound();
    }

    /// <summary>
    /// The tenant comes from the link's verified signature (<see cref="AttachmentLinkTenantStrategy"/>), so the row is read
    /// under that tenant's row-level security and no other tenant's row can be reached. <paramref name="t"/>,
    /// <paramref name="exp"/> and <paramref name="sig"/> are read by that strategy; they are parameters here so the
    /// document names them.
    /// </summary>
    internal static async Task<IResult> Download(Guid id, string? t, string? exp, string? sig, HttpContext http, OmniChatDbContext db,
        IAttachmentStorage storage, CancellationToken cancellationToken)
    {
        if (http.Features.Get<AttachmentLinkPrincipal>() is not { } link || link.AttachmentId != id)
        {
            throw new ForbiddenException("attachment_link_invalid", "The link is expired or not valid.");
        }
        var attachment = await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken) ?? throw AttachmentNotFound();
        var content = await storage.OpenReadAsync(attachment.StorageKey, cancellationToken) ?? throw AttachmentNotFound();

        var headers = http.Response.Headers;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.CacheControl] = "private, max-age=300";
        headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; sandbox";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        var disposition = new ContentDispositionHeaderValue(AttachmentContent.IsInlineImage(attachment.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(attachment.Name);
        headers[HeaderNames.ContentDisposition] = disposition.ToString();
        http.Response.ContentLength = attachment.Size;
        return TypedResults.Stream(content, attachment.ContentType);
    }

    private static ConversationPrincipal RequireVisitor(HttpContext http) =>
        http.Features.Get<ConversationPrincipal>() ?? throw new UnauthorizedException("invalid_token", "A valid conversation token is required.");

    private static AttachmentLinkResponse Link(HttpContext http, AttachmentLinks links, TenantInfo tenant, Guid attachmentId)
    {
        var link = links.Create(tenant.Id, attachmentId);
        var request = http.Request;
        return new AttachmentLinkResponse($"{request.Scheme}://{request.Host}{request.PathBase}{link.PathAndQuery}", link.ExpiresAt);
    }

    private static NotFoundException AttachmentNotFound() => new("attachment_not_found", "The attachment does not exist.");

    /// <summary>Reads the one <c>file</c> part of a multipart body straight into the intake, never buffering it.</summary>
    private static class MultipartUpload
    {
        // Room for the multipart framing and a few small parts around the file.
        private const long FramingAllowance = 1L << 20;

        public static async Task<AttachmentDescriptor> ReceiveAsync(HttpContext http, AttachmentIntake intake, TenantInfo tenant, Guid conversationId,
            string uploader, CancellationToken cancellationToken)
        {
            if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
                || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                    "Send the file as multipart/form-data with one part named file.");
            }
            var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
            if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
            {
                throw new ValidationException(new Dictionary<string, string[]> { ["file"] = ["A multipart body with a boundary."] });
            }
            // The API's 64 KB body limit does not fit files: this request may carry the plan's largest file (the intake
            // stops the file itself at its limit).
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = await intake.MaxBytesAsync(tenant, cancellationToken) + FramingAllowance;
            }

            var reader = new MultipartReader(boundary, http.Request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition()
                    && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
                {
                    var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    return await intake.ReceiveAsync(tenant, conversationId, uploader, fileName, section.ContentType, section.Body, cancellationToken);
                }
            }
            throw new ValidationException(new Dictionary<string, string[]> { ["file"] = ["Required: a part named file, with a file name."] });
        }
    }
}

/// <summary>A signed download link: <c>GET</c> it (no credential) until <c>expiresAt</c>.</summary>
internal sealed record AttachmentLinkResponse(string Url, DateTimeOffset ExpiresAt);
