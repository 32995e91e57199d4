namespace OmniChat.Core.Persistence;

/// <summary>
/// <c>LIKE</c>/<c>ILIKE</c> patterns from user text: the text's own <c>\</c>, <c>%</c> and <c>_</c> are escaped (PostgreSQL's
/// default escape character is <c>\</c>), so a search for <c>50%</c> finds "50%", not "50" followed by anything.
/// </summary>
public static class LikePattern
{
    /// <summary>A pattern matching any text that contains <paramref name="text"/> literally: <c>%text%</c>.</summary>
    public static string Contains(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
    }
}
