using OmniChat.Api.Security;
using OmniChat.Core.Audit;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Endpoints;

/// <summary>Audit export (scope <c>audit:read</c>), streamed row by row as CSV or JSON Lines.</summary>
internal static class V2AuditEndpoints
{
    public static IEndpointRouteBuilder MapV2AuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/audit/export", Export).WithTags("v2 audit").RequireScope(ApiScopes.AuditRead).WithName("V2ExportAudit")
            .WithSummary("Audit entries between from and to (ISO 8601), oldest first, as format=csv or format=jsonl.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status200OK, contentType: "application/jsonl");
        return app;
    }

    internal static async Task Export(string? format, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var filter = new AuditFilter(From: from, To: to);
        var kind = AuditLog.ParseExport(format, filter);
        http.Response.ContentType = AuditLog.ContentType(kind);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit.{AuditLog.Extension(kind)}\"";
        await audit.ExportAsync(filter, kind, http.Response.Body, cancellationToken);
    }
}
