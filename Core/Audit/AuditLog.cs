using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Audit;

/// <summary>
/// Which audit entries: an exact <paramref name="Action"/> (<c>webhook.created</c>), an exact <paramref name="Actor"/>
/// (<c>user:&lt;id&gt;</c>, <c>api_key:&lt;id&gt;</c>), from <paramref name="From"/> (inclusive) to <paramref name="To"/> (exclusive).
/// </summary>
public sealed record AuditFilter(string? Action = null, string? Actor = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>One page of audit entries, newest first, and how many match in all.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, int Total);

/// <summary>How an audit export is written: CSV (RFC 4180, formula-safe) or JSON Lines.</summary>
public enum AuditExportFormat
{
    /// <summary>One JSON object a line (<c>application/jsonl</c>).</summary>
    JsonLines,

    /// <summary>A header row, then one row an entry (<c>text/csv</c>).</summary>
    Csv,
}

/// <summary>
/// The tenant's audit log, for every surface that reads it (API export, portal): filtered pages newest first, the
/// actions and actors it holds, and the export streamed row by row. Runs in the current tenant's scope, so an export
/// holds this tenant's entries only.
/// </summary>
public sealed class AuditLog(OmniChatDbContext db)
{
    /// <summary>The largest page <see cref="PageAsync"/> returns.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Longest <see cref="AuditFilter.Action"/> or <see cref="AuditFilter.Actor"/> a filter may name.</summary>
    public const int MaxFilterLength = 200;

    private static readonly string[] Columns = ["id", "occurredAt", "actor", "actorType", "action", "targetType", "targetId", "requestId", "details"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Parses <c>csv</c> or <c>jsonl</c> (default <c>jsonl</c>) and checks <paramref name="filter"/> (its range in order, its action and actor short and without NUL);
    /// 400 <c>validation_failed</c> otherwise.
    /// </summary>
    public static AuditExportFormat ParseExport(string? format, AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var kind = (format ?? "jsonl").ToLowerInvariant();
        if (kind is not ("csv" or "jsonl"))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["format"] = ["csv or jsonl."] });
        }
        Check(filter);
        return kind == "csv" ? AuditExportFormat.Csv : AuditExportFormat.JsonLines;
    }

    /// <summary>The content type of an export in <paramref name="format"/>.</summary>
    public static string ContentType(AuditExportFormat format) =>
        format == AuditExportFormat.Csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";

    /// <summary>The file name extension of an export in <paramref name="format"/>.</summary>
    public static string Extension(AuditExportFormat format) => format == AuditExportFormat.Csv ? "csv" : "jsonl";

    /// <summary>Entries matching <paramref name="filter"/>, newest first, skipping <paramref name="skip"/>.</summary>
    public async Task<AuditPage> PageAsync(AuditFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Check(filter);
        var query = Matching(filter);
        var total = await query.CountAsync(cancellationToken);
        var entries = await query.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxPageSize)).ToListAsync(cancellationToken);
        return new AuditPage(entries, total);
    }

    /// <summary>The distinct actions the tenant's log holds, in order (for a filter's choices).</summary>
    public async Task<IReadOnlyList<string>> ActionsAsync(CancellationToken cancellationToken) =>
        await db.AuditEntries.AsNoTracking().Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);

    /// <summary>The distinct actors the tenant's log holds, in order (for a filter's choices).</summary>
    public async Task<IReadOnlyList<string>> ActorsAsync(CancellationToken cancellationToken) =>
        await db.AuditEntries.AsNoTracking().Select(a => a.Actor).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);

    /// <summary>
    /// People's names for the actors the log holds: a member's agent name for <c>user:&lt;id&gt;</c>, an API key's name for
    /// <c>api_key:&lt;id&gt;</c>. Actors without a name here (removed keys, the service token, the system) are left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ActorNamesAsync(CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in await db.Memberships.AsNoTracking().Select(m => new { m.UserId, m.AgentName }).ToListAsync(cancellationToken))
        {
            names[AuditActor.ForUser(member.UserId).Actor] = member.AgentName;
        }
        foreach (var key in await db.ApiKeys.AsNoTracking().Select(k => new { k.Id, k.Name }).ToListAsync(cancellationToken))
        {
            names[AuditActor.ForApiKey(key.Id, null).Actor] = $"API key “{key.Name}”";
        }
        return names;
    }

    /// <summary>Writes the entries matching <paramref name="filter"/>, oldest first, to <paramref name="output"/> as it reads them.</summary>
    public async Task ExportAsync(AuditFilter filter, AuditExportFormat format, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(output);
        Check(filter);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        if (format == AuditExportFormat.Csv)
        {
            await writer.WriteLineAsync(string.Join(',', Columns));
        }
        await foreach (var entry in Matching(filter).OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(format == AuditExportFormat.Csv ? CsvLine(entry) : JsonLine(entry));
        }
    }

    private IQueryable<AuditEntry> Matching(AuditFilter filter)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(filter.Action))
        {
            query = query.Where(a => a.Action == filter.Action);
        }
        if (!string.IsNullOrEmpty(filter.Actor))
        {
            query = query.Where(a => a.Actor == filter.Actor);
        }
        if (filter.From is { } start)
        {
            query = query.Where(a => a.OccurredAt >= start);
        }
        if (filter.To is { } end)
        {
            query = query.Where(a => a.OccurredAt < end);
        }
        return query;
    }

    // One check for every reader: an action or actor the database could not compare (NUL, huge) is a 400, not a 500.
    private static void Check(AuditFilter filter)
    {
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrEmpty(filter.Action))
        {
            FieldText.Required(filter.Action, MaxFilterLength, "action", errors);
        }
        if (!string.IsNullOrEmpty(filter.Actor))
        {
            FieldText.Required(filter.Actor, MaxFilterLength, "actor", errors);
        }
        if (filter.From is { } f && filter.To is { } t && f > t)
        {
            errors["from"] = ["Must not be after to."];
        }
        ValidationException.ThrowIfAny(errors);
    }

    private static string CsvLine(AuditEntry e) => string.Join(',', new[]
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

    private static string JsonLine(AuditEntry e) => JsonSerializer.Serialize(new AuditLine(e.Id, e.OccurredAt, e.Actor, e.ActorType, e.Action,
        e.TargetType, e.TargetId, e.RequestId, e.Details is null ? null : JsonDocument.Parse(e.Details).RootElement), Json);

    private sealed record AuditLine(Guid Id, DateTimeOffset OccurredAt, string Actor, string ActorType, string Action, string? TargetType,
        string? TargetId, string? RequestId, JsonElement? Details);
}
