using System.Globalization;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;

namespace OmniChat.AdminPortal.Components.Pages.Dashboard;

/// <summary>
/// The ranges the dashboard offers: the last 7, 30 or 90 days, or whole days a person picks (UTC, both days included),
/// checked by the rules of <c>GET /v2/stats</c> (<see cref="TenantStatistics.ParseRange"/>) and refused in words.
/// </summary>
internal static class DashboardRange
{
    /// <summary>The choice that means "the dates below".</summary>
    public const int Custom = 0;

    /// <summary>The days of the default range (as the API's: <see cref="TenantStatistics.DefaultRange"/>).</summary>
    public static readonly int DefaultDays = (int)TenantStatistics.DefaultRange.TotalDays;

    /// <summary>What the range picker lists, in order.</summary>
    public static IReadOnlyList<int> Choices { get; } = [7, DefaultDays, 90, Custom];

    /// <summary>A choice as the picker shows it.</summary>
    public static string Label(int days) => days == Custom ? "Custom dates" : $"Last {days} days";

    /// <summary>The last <paramref name="days"/> days up to <paramref name="now"/>.</summary>
    public static StatisticsRange Last(int days, DateTimeOffset now) => new(now.AddDays(-days), now);

    /// <summary>
    /// The days <paramref name="from"/> to <paramref name="to"/> (yyyy-MM-dd, as a date field gives them), both included:
    /// the range, or a sentence saying what to change.
    /// </summary>
    public static (StatisticsRange? Range, string? Error) Between(string? from, string? to, DateTimeOffset now)
    {
        if (Day(from) is not { } first || Day(to) is not { } last)
        {
            return (null, "Enter both a start date and an end date.");
        }
        if (first > last)
        {
            return (null, "The start date must be on or before the end date.");
        }
        try
        {
            return (TenantStatistics.ParseRange(Iso(first), Iso(last.AddDays(1)), now), null);
        }
        catch (ValidationException)
        {
            return (null, $"Choose at most {TenantStatistics.MaxRange.TotalDays:0} days; this range has {last.DayNumber - first.DayNumber + 1}.");
        }
    }

    private static DateOnly? Day(string? value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
