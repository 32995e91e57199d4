using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>The inbox's tabs.</summary>
public enum InboxFilter
{
    /// <summary>Not closed (open or claimed).</summary>
    Open,

    /// <summary>Claimed by the viewing agent.</summary>
    Mine,

    /// <summary>Open and claimed by nobody.</summary>
    Unclaimed,

    /// <summary>Not closed, and the last inbound message has no agent reply after it.</summary>
    Unanswered,

    /// <summary>Closed.</summary>
    Closed,
}

/// <summary>Who looks at the inbox: their read cursors give the unread counts, their agent name the <see cref="InboxFilter.Mine"/> tab.</summary>
public sealed record InboxViewer(Guid UserId, string AgentName);

/// <summary>One page request: a tab, an optional text search (name and message text), and where the previous page ended.</summary>
public sealed record InboxQuery(InboxFilter Filter, string? Search = null, InboxCursor? After = null, int Limit = InboxListing.DefaultPageSize);

/// <summary>
/// Keyset position in a conversation list newest activity first (the inbox, the v2 API's <c>cursor</c>): the last row's
/// <c>(updated_at, id)</c>.
/// </summary>
public readonly record struct InboxCursor(DateTimeOffset UpdatedAt, Guid Id)
{
    /// <summary>The cursor as an opaque URL-safe string.</summary>
    public override string ToString() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{Id:N}"));

    /// <summary>Reads a cursor <see cref="ToString"/> made; null for anything else.</summary>
    public static InboxCursor? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 100)
        {
            return null;
        }
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split(':');
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                   && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out var id)
                ? new InboxCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>The last message of a conversation, shortened for the list.</summary>
public sealed record InboxPreview(MessageDirection Direction, string Text, string? Agent, DateTimeOffset CreatedAt);

/// <summary>A conversation as one row of the inbox.</summary>
public sealed record InboxRow(
    Guid Id,
    string? Name,
    ConversationStatus Status,
    string? ClaimedBy,
    string Channel,
    string Interface,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastInboundAt,
    DateTimeOffset? LastOutboundAt,
    long LastSeq,
    InboxPreview? LastMessage,
    int Unread)
{
    /// <summary>The last inbound message has no agent reply after it (<see cref="ConversationQueries.IsUnanswered"/>).</summary>
    public bool Unanswered => ConversationQueries.IsUnanswered(LastInboundAt, LastOutboundAt);

    /// <summary>Since when the visitor waits for an answer, when <see cref="Unanswered"/> (and the conversation is not closed).</summary>
    public DateTimeOffset? WaitingSince => Unanswered && Status != ConversationStatus.Closed ? LastInboundAt : null;
}

/// <summary>A page of rows and the cursor of the next page (null on the last page).</summary>
public sealed record InboxPage(IReadOnlyList<InboxRow> Rows, InboxCursor? Next);

/// <summary>How many conversations each tab holds, each counted up to <see cref="InboxListing.CountCap"/>.</summary>
public sealed record InboxCounts(int Open, int Mine, int Unclaimed, int Unanswered, int Closed)
{
    /// <summary>The count of one tab.</summary>
    public int Of(InboxFilter filter) => filter switch
    {
        InboxFilter.Open => Open,
        InboxFilter.Mine => Mine,
        InboxFilter.Unclaimed => Unclaimed,
        InboxFilter.Unanswered => Unanswered,
        _ => Closed,
    };
}

/// <summary>
/// The agent inbox (the portal's shared inbox): a tenant's conversations per tab, newest activity first, in keyset pages.
/// Each tab reads the <c>(tenant_id, status, updated_at, id)</c> index backwards, one ordered branch per status the tab
/// covers (open = <c>Open</c> ∪ <c>Claimed</c>), so a page costs a few index entries however many conversations the
/// tenant holds; only the page's rows are then joined to their last message and to the viewer's read cursor.
/// Unread counts the visitor's (<see cref="MessageDirection.Inbound"/>) messages after the viewer's
/// <see cref="ReadState.LastReadSeq"/>: agents' replies and notes are never "unread" work. Text search (name or any
/// message's text, like the v2 API's <c>q</c>) is a scan of the tab's conversations and their messages.
/// </summary>
public sealed class InboxListing(NpgsqlDataSource dataSource)
{
    /// <summary>Rows per page unless asked otherwise.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The most rows one page returns.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Counts stop here (the badge then reads "999+"): counting every closed conversation of a big tenant is no badge's worth.</summary>
    public const int CountCap = 1000;

    /// <summary>Unread counts stop here (the badge then reads "99+").</summary>
    public const int UnreadCap = 100;

    /// <summary>The longest search text.</summary>
    public const int MaxSearchLength = 200;

    /// <summary>Characters of the last message the row shows.</summary>
    public const int PreviewLength = 160;

    private const string Columns =
        "c.id, c.name, c.status, c.claimed_by, c.channel, c.interface, c.updated_at, c.last_inbound_at, c.last_outbound_at, c.last_seq";

    /// <summary>One page of a tab for <paramref name="viewer"/>.</summary>
    public async Task<InboxPage> ListAsync(TenantInfo tenant, InboxViewer viewer, InboxQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(viewer);
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);
        var search = Normalize(query.Search);

        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        var command = new NpgsqlBatchCommand();
        var p = new Parameters(command);
        var tenantId = p.Add(NpgsqlDbType.Uuid, tenant.Id);
        var userId = p.Add(NpgsqlDbType.Uuid, viewer.UserId);
        var take = p.Add(NpgsqlDbType.Integer, limit + 1);
        var conditions = Conditions(query.Filter, viewer, search, p);
        if (query.After is { } after)
        {
            conditions += $" AND (c.updated_at, c.id) < ({p.Add(NpgsqlDbType.TimestampTz, after.UpdatedAt)}, {p.Add(NpgsqlDbType.Uuid, after.Id)})";
        }
        var branches = Statuses(query.Filter).Select(status => $"""
            (SELECT {Columns} FROM conversations c
             WHERE c.tenant_id = {tenantId} AND c.status = '{status}'{conditions}
             ORDER BY c.updated_at DESC, c.id DESC LIMIT {take})
            """);
        command.CommandText = $"""
            WITH page AS (
                SELECT * FROM (
                    {string.Join("\nUNION ALL\n", branches)}
                ) b
                ORDER BY b.updated_at DESC, b.id DESC LIMIT {take}
            )
            SELECT c.*, lm.direction, lm.text, lm.agent, lm.created_at,
                (SELECT count(*) FROM (
                    SELECT 1 FROM messages u
                    WHERE u.tenant_id = {tenantId} AND u.conversation_id = c.id AND u.direction = 'Inbound'
                      AND u.seq > coalesce((SELECT r.last_read_seq FROM read_states r
                                            WHERE r.tenant_id = {tenantId} AND r.user_id = {userId} AND r.conversation_id = c.id), 0)
                    LIMIT {UnreadCap}) unread)::int
            FROM page c
            LEFT JOIN LATERAL (
                SELECT m.direction, left(m.text, {PreviewLength}) AS text, m.agent, m.created_at FROM messages m
                WHERE m.tenant_id = {tenantId} AND m.conversation_id = c.id
                ORDER BY m.seq DESC LIMIT 1
            ) lm ON true
            ORDER BY c.updated_at DESC, c.id DESC
            """;
        batch.BatchCommands.Add(command);

        var rows = new List<InboxRow>(limit + 1);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // set_config
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new InboxRow(
                reader.GetGuid(0), NullableString(reader, 1), Enum.Parse<ConversationStatus>(reader.GetString(2)), NullableString(reader, 3),
                reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), NullableTime(reader, 7), NullableTime(reader, 8),
                reader.GetInt64(9),
                reader.IsDBNull(10) ? null : new InboxPreview(Enum.Parse<MessageDirection>(reader.GetString(10)), reader.GetString(11),
                    NullableString(reader, 12), reader.GetFieldValue<DateTimeOffset>(13)),
                reader.GetInt32(14)));
        }
        var next = rows.Count > limit ? new InboxCursor(rows[limit - 1].UpdatedAt, rows[limit - 1].Id) : (InboxCursor?)null;
        return new InboxPage(rows.Count > limit ? rows[..limit] : rows, next);
    }

    /// <summary>The tabs' counts for <paramref name="agentName"/>, in one round trip.</summary>
    public async Task<InboxCounts> CountAsync(TenantInfo tenant, string agentName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        var command = new NpgsqlBatchCommand();
        var p = new Parameters(command);
        var tenantId = p.Add(NpgsqlDbType.Uuid, tenant.Id);
        var agent = p.Add(NpgsqlDbType.Text, agentName);
        string Count(string statuses, string condition = "") => $"""
            (SELECT count(*) FROM (SELECT 1 FROM conversations c
             WHERE c.tenant_id = {tenantId} AND c.status IN ({statuses}){condition} LIMIT {CountCap}) x)::int
            """;
        command.CommandText = $"""
            SELECT {Count("'Open', 'Claimed'")},
                   {Count("'Claimed'", $" AND c.claimed_by = {agent}")},
                   {Count("'Open'")},
                   {Count("'Open', 'Claimed'", " AND " + ConversationQueries.UnansweredSql)},
                   {Count("'Closed'")}
            """;
        batch.BatchCommands.Add(command);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new InboxCounts(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
    }

    private static string[] Statuses(InboxFilter filter) => filter switch
    {
        InboxFilter.Open or InboxFilter.Unanswered => [nameof(ConversationStatus.Open), nameof(ConversationStatus.Claimed)],
        InboxFilter.Mine => [nameof(ConversationStatus.Claimed)],
        InboxFilter.Unclaimed => [nameof(ConversationStatus.Open)],
        _ => [nameof(ConversationStatus.Closed)],
    };

    private static string Conditions(InboxFilter filter, InboxViewer viewer, string? search, Parameters p)
    {
        var conditions = filter switch
        {
            InboxFilter.Mine => $" AND c.claimed_by = {p.Add(NpgsqlDbType.Text, viewer.AgentName)}",
            InboxFilter.Unanswered => " AND " + ConversationQueries.UnansweredSql,
            _ => "",
        };
        if (search is not null)
        {
            var pattern = p.Add(NpgsqlDbType.Text, LikePattern.Contains(search));
            conditions += $" AND (coalesce(c.name, '') ILIKE {pattern} OR EXISTS (SELECT 1 FROM messages s"
                + $" WHERE s.tenant_id = c.tenant_id AND s.conversation_id = c.id AND s.text ILIKE {pattern}))";
        }
        return conditions;
    }

    private static string? Normalize(string? search)
    {
        var trimmed = search?.Trim().Replace("\0", "", StringComparison.Ordinal);
        return string.IsNullOrEmpty(trimmed) ? null : trimmed.Length > MaxSearchLength ? trimmed[..MaxSearchLength] : trimmed;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    // Positional parameters ($1, $2, …) added as the statement is composed; only what the statement uses is sent.
    private sealed class Parameters(NpgsqlBatchCommand command)
    {
        public string Add(NpgsqlDbType type, object value)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value });
            return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }
    }
}
