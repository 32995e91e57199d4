using OmniChat.AdminPortal.Components.Pages.Dashboard;
using OmniChat.Core.Conversations;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The dashboard's range picker: the last days, or whole days a person picks, refused in words by the API's rules.</summary>
public sealed class DashboardRangeShould
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OfferTheLast7And30And90DaysThenCustomDatesWith30AsTheDefault()
    {
        Assert.Equal([7, 30, 90, DashboardRange.Custom], DashboardRange.Choices);
        Assert.Equal(30, DashboardRange.DefaultDays);
        Assert.Equal(["Last 7 days", "Last 30 days", "Last 90 days", "Custom dates"], DashboardRange.Choices.Select(DashboardRange.Label));
        Assert.Equal(new StatisticsRange(Now.AddDays(-7), Now), DashboardRange.Last(7, Now));
    }

    [Fact]
    public void CoverTheChosenDaysWithTheLastOneIncluded()
    {
        var (range, error) = DashboardRange.Between("2026-01-01", "2026-01-31", Now);

        Assert.Null(error);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), range!.From);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), range.To);
    }

    [Theory]
    [InlineData("2026-03-10", "2026-03-01", "The start date must be on or before the end date.")]
    [InlineData("2026-03-02", "2026-03-01", "The start date must be on or before the end date.")]
    [InlineData("2024-01-01", "2025-06-01", "Choose at most 366 days; this range has 518.")]
    [InlineData("", "2026-03-01", "Enter both a start date and an end date.")]
    [InlineData("2026-03-01", null, "Enter both a start date and an end date.")]
    public void RefuseARangeItCannotShowInWords(string? from, string? to, string expected)
    {
        var (range, error) = DashboardRange.Between(from, to, Now);

        Assert.Null(range);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TakeAWholeLeapYearButNotADayMore()
    {
        Assert.NotNull(DashboardRange.Between("2024-01-01", "2024-12-31", Now).Range);
        Assert.NotNull(DashboardRange.Between("2025-01-01", "2026-01-01", Now).Range);
        Assert.Null(DashboardRange.Between("2025-01-01", "2026-01-02", Now).Range);
    }
}
