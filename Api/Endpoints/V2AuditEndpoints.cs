using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Security;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;

namespace OmniChat.Api.Endpoints;

/// <summary>Audit export (scope <c>audit:read</c>), streamed row by row as CSV or JSON Lines.</summary>
internal static class V2AuditEndpoints
{
    private static readonly string[] Columns = ["id", "occurredAt", "actor", "actorType", "action", "targetType", "targetId", "requestId", "details"];

    public static IEndpointRouteBuilder MapV2AuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/audit/export", Export).WithTags("v2 audit").RequireScope(ApiScopes.AuditRead).WithName("V2ExportAudit")
            .WithSummary("Audit entries between from and to (ISO 8601), oldest first, as format=csv or format=jsonl.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status200OK, contentType: "application/jsonl");
        return app;
    }

    internal static async Task Export(string? format, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, OmniChatDbContext db,
        CancellationToken cancellationToken)
    {
        var kind = (format ?? "jsonl").ToLowerInvariant();
        if (kind is not ("csv" or "jsonl"))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["format"] = ["csv or jsonl."] });
        }
        if (from is { } f && to is { } t && f > t)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["from"] = ["Must not be after to."] });
        }

        var query = db.AuditEntries.AsNoTracking();
        if (from is { } start) query = query.Where(a => a.OccurredAt >= start);
        if (to is { } end) query = query.Where(a => a.OccurredAt < end);

        http.Response.ContentType = kind == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit.{kind}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        if (kind == "csv")
        {
            await writer.WriteLineAsync(string.Join(',', Columns));
        }
        await foreach (var entry in query.OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(kind == "csv" ? Csv(entry) : Json(entry));
        }
    }

    private static string Csv(AuditEntry e) => string.Join(',', new[]
    {
        e.Id.ToString(), e.OccurredAt.ToString("O", CultureInfo.InvariantCulture), e.Actor, e.ActorType, e.Action, e.TargetType, e.TargetId,
        e.RequestId, e.Details,
    }.Select(Escape));

    // RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not execute it.
    private static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string Json(AuditEntry e) => JsonSerializer.Serialize(new AuditLine(e.Id, e.OccurredAt, e.Actor, e.ActorType, e.Action,
        e.TargetType, e.TargetId, e.RequestId, e.Details is null ? null : JsonDocument.Parse(e.Details).RootElement), AuditJson.Options);

    private sealed record AuditLine(Guid Id, DateTimeOffset OccurredAt, string Actor, string ActorType, string Action, string? TargetType,
        string? TargetId, string? RequestId, JsonElement? Details);

    private static class AuditJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
