using Bunit;
using Microsoft.AspNetCore.Components;
using OmniChat.AdminPortal.Components.Shared;
using OmniChat.Core.Conversations;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The inbox's tabs: parameters in, the chosen tab out.</summary>
public sealed class InboxFiltersShould : IAsyncDisposable
{
    private readonly BunitContext _context = Components.NewContext();

    [Fact]
    public void ShowEveryTabWithItsCountAndMarkTheChosenOne()
    {
        var cut = _context.Render<InboxFilters>(p => p
            .Add(f => f.Value, InboxFilter.Unanswered)
            .Add(f => f.Counts, new InboxCounts(Open: 12, Mine: 3, Unclaimed: 9, Unanswered: 4, Closed: InboxListing.CountCap)));

        Assert.Equal("true", cut.Find("[data-testid=filter-unanswered]").GetAttribute("aria-pressed"));
        Assert.Equal("false", cut.Find("[data-testid=filter-open]").GetAttribute("aria-pressed"));
        Assert.Equal("12", cut.Find("[data-testid=filter-open-count]").TextContent);
        Assert.Equal("3", cut.Find("[data-testid=filter-mine-count]").TextContent);
        Assert.Equal("4", cut.Find("[data-testid=filter-unanswered-count]").TextContent);
        Assert.Equal("999+", cut.Find("[data-testid=filter-closed-count]").TextContent);
    }

    [Fact]
    public void TellWhichTabWasChosen()
    {
        InboxFilter? chosen = null;
        var cut = _context.Render<InboxFilters>(p => p
            .Add(f => f.Value, InboxFilter.Open)
            .Add(f => f.ValueChanged, EventCallback.Factory.Create<InboxFilter>(this, f => chosen = f)));

        cut.Find("[data-testid=filter-mine]").Click();

        Assert.Equal(InboxFilter.Mine, chosen);
    }

    [Fact]
    public void ShowNoCountsWhileTheyAreUnknown()
    {
        var cut = _context.Render<InboxFilters>(p => p.Add(f => f.Value, InboxFilter.Open));

        Assert.Empty(cut.FindAll(".inbox-filter-count"));
        Assert.Equal(5, cut.FindAll("button").Count);
    }

    [Theory]
    [InlineData("mine", InboxFilter.Mine)]
    [InlineData("closed", InboxFilter.Closed)]
    [InlineData("unanswered", InboxFilter.Unanswered)]
    public void ReadTheTabAUrlNames(string slug, InboxFilter expected) => Assert.Equal(expected, InboxFilters.Parse(slug));

    [Theory]
    [InlineData("Mine")]
    [InlineData("everything")]
    [InlineData(null)]
    public void IgnoreATabNoUrlOfOursNames(string? slug) => Assert.Null(InboxFilters.Parse(slug));

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
