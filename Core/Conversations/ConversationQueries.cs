using System.Linq.Expressions;

namespace OmniChat.Core.Conversations;

/// <summary>
/// The "unanswered" rule, one definition for every reader (the API's <c>unanswered</c> field and filter, the portal's
/// inbox and thread): the last inbound message has no agent reply at or after it.
/// </summary>
public static class ConversationQueries
{
    /// <summary>The same rule in SQL over a <c>conversations</c> row aliased <c>c</c> (for the inbox's hand-written statements).</summary>
    internal const string UnansweredSql =
        "c.last_inbound_at IS NOT NULL AND (c.last_outbound_at IS NULL OR c.last_outbound_at < c.last_inbound_at)";

    /// <summary>Conversations whose last inbound message has no reply after it, for a LINQ query.</summary>
    public static Expression<Func<Conversation, bool>> Unanswered { get; } =
        c => c.LastInboundAt != null && (c.LastOutboundAt == null || c.LastOutboundAt < c.LastInboundAt);

    /// <summary>The complement of <see cref="Unanswered"/>: no inbound message yet, or a reply at or after the last one.</summary>
    public static Expression<Func<Conversation, bool>> Answered { get; } =
        c => c.LastInboundAt == null || (c.LastOutboundAt != null && c.LastOutboundAt >= c.LastInboundAt);

    /// <summary>The rule on values already read: inbound at, and no outbound at or after it.</summary>
    public static bool IsUnanswered(DateTimeOffset? lastInboundAt, DateTimeOffset? lastOutboundAt) =>
        lastInboundAt is { } inbound && (lastOutboundAt is null || lastOutboundAt < inbound);
}
