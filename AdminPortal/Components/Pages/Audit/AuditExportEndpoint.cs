using System.Globalization;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;

namespace OmniChat.AdminPortal.Components.Pages.Audit;

/// <summary>
/// <c>GET /admin/audit/export</c>: the audit log page's download, a plain request (the browser saves the file) behind the
/// TenantAdmin policy. The tenant is the signed-in membership's (the request's scope, row-level security), never a
/// parameter; the rows are Core's <see cref="AuditLog"/> export, the same as the Api's <c>/v2/audit/export</c>.
/// </summary>
internal static class AuditExportEndpoint
{
    public const string Path = "/admin/audit/export";

    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ExportAsync).RequireAuthorization(PortalPolicies.TenantAdmin).ExcludeFromDescription();
        return app;
    }

    /// <summary>The link the page offers for the current filters.</summary>
    public static string LinkFor(string format, AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new Dictionary<string, string?>
        {
            ["format"] = format,
            ["action"] = filter.Action,
            ["actor"] = filter.Actor,
            ["from"] = filter.From?.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = filter.To?.ToString("O", CultureInfo.InvariantCulture),
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(Path, query.Where(p => !string.IsNullOrEmpty(p.Value)));
    }

    private static async Task<IResult> ExportAsync(string? format, string? action, string? actor, DateTimeOffset? from, DateTimeOffset? to,
        HttpContext http, PortalSession session, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var membership = session.RequireAdmin();
        var filter = new AuditFilter(action, actor, from, to);
        AuditExportFormat kind;
        try
        {
            kind = AuditLog.ParseExport(format, filter);
        }
        catch (ValidationException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors, title: "The export's filters are not valid.");
        }
        http.Response.ContentType = AuditLog.ContentType(kind);
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"audit-{membership.Tenant.Identifier}-{time.GetUtcNow():yyyyMMdd}.{AuditLog.Extension(kind)}\"";
        http.Response.Headers.CacheControl = "no-store";
        await audit.ExportAsync(filter, kind, http.Response.Body, cancellationToken);
        return TypedResults.Empty;
    }
}
