using System.Diagnostics.CodeAnalysis;

namespace OmniChat.Core.Errors;

/// <summary>
/// The rule a short free-text field (a name, an agent, a filter) shares on every surface: 1 to N characters and no NUL
/// (PostgreSQL text cannot hold one, so it would fail as a 500), reported as one <c>validation_failed</c> message.
/// </summary>
public static class FieldText
{
    /// <summary>The message of a field that breaks <see cref="Fits"/>: <c>Required, 1 to N characters.</c></summary>
    public static string Rule(int maxLength) => $"Required, 1 to {maxLength} characters.";

    /// <summary>Whether <paramref name="value"/> has 1 to <paramref name="maxLength"/> characters and no NUL.</summary>
    public static bool Fits([NotNullWhen(true)] string? value, int maxLength) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && !value.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="value"/> trimmed when it <see cref="Fits"/>; otherwise <c>""</c>, with <see cref="Rule"/> recorded for
    /// <paramref name="field"/> in <paramref name="errors"/>.
    /// </summary>
    public static string Required(string? value, int maxLength, string field, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var trimmed = value?.Trim();
        if (Fits(trimmed, maxLength))
        {
            return trimmed;
        }
        errors[field] = [Rule(maxLength)];
        return "";
    }
}
