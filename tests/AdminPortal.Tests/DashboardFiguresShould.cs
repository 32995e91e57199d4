using Bunit;
using OmniChat.AdminPortal.Components.Pages.Dashboard;
using OmniChat.AdminPortal.Operator;
using OmniChat.Core.Conversations;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Usage;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The dashboard's numbers: the empty state of a range without conversations, first-response times in words.</summary>
public sealed class DashboardFiguresShould : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly BunitContext _context = Components.NewContext(new FixedTime(Now));

    private static TenantStatisticsReport Report(int started, int answered, double? p50, double? p90, int unanswered = 0, long clientErrors = 0) =>
        new(Now.AddDays(-30), Now, Now, started, answered, p50, p90, unanswered, 0, 0, new ApiErrorTotals(clientErrors, 0),
            new TenantUsageReport(new Plan { Id = Plan.FreeId, Name = "Free" }, TenantUsage.MonthStart(Now), Now, []));

    [Fact]
    public void SayThatTheRangeHasNoConversationsYetAndStillCountThoseWaitingNow()
    {
        var cut = _context.Render<DashboardFigures>(p => p.Add(f => f.Report, Report(0, 0, null, null, unanswered: 2)));

        Assert.Contains("No conversations in this range yet", cut.Find("[data-testid=dashboard-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=dashboard-started]"));
        Assert.Equal("2", cut.Find("[data-testid=dashboard-unanswered] [data-testid=stat-value]").TextContent);
    }

    [Fact]
    public void ShowTheFirstResponseTimesInWordsAndADashWithoutAny()
    {
        var cut = _context.Render<DashboardFigures>(p => p.Add(f => f.Report, Report(3, 1, 252, null)));

        Assert.Empty(cut.FindAll("[data-testid=dashboard-empty]"));
        Assert.Equal("3", cut.Find("[data-testid=dashboard-started] [data-testid=stat-value]").TextContent);
        Assert.Equal("4 min 12 s", cut.Find("[data-testid=dashboard-p50] [data-testid=stat-value]").TextContent);
        Assert.Equal("—", cut.Find("[data-testid=dashboard-p90] [data-testid=stat-value]").TextContent);
        Assert.Contains("33 % got an agent's reply", cut.Find("[data-testid=dashboard-answered]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void CountTheApisErrorAnswersApartFromFailedDeliveries()
    {
        var cut = _context.Render<DashboardFigures>(p => p.Add(f => f.Report, Report(0, 0, null, null, clientErrors: 1_234)));

        Assert.Equal("1,234", cut.Find("[data-testid=dashboard-api-client-errors] [data-testid=stat-value]").TextContent);
        Assert.Equal("0", cut.Find("[data-testid=dashboard-api-server-errors] [data-testid=stat-value]").TextContent);
    }

    [Theory]
    [InlineData(null, "—")]
    [InlineData(0.2, "under 1 s")]
    [InlineData(12.4, "12 s")]
    [InlineData(240.0, "4 min")]
    [InlineData(252.0, "4 min 12 s")]
    [InlineData(3_900.0, "1 h 5 min")]
    [InlineData(100_800.0, "1 d 4 h")]
    public void PutAResponseTimeInWords(double? seconds, string expected) => Assert.Equal(expected, Display.Duration(seconds));

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
