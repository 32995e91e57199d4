using Bunit;
using OmniChat.AdminPortal.Components.Shared;
using OmniChat.Core.Conversations;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The unanswered marker: how long the visitor has waited for an answer.</summary>
public sealed class UnansweredMarkerShould : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly BunitContext _context = Components.NewContext(new FixedTime(Now));

    [Fact]
    public void SayHowLongTheVisitorHasWaitedAndSince()
    {
        var cut = _context.Render<UnansweredMarker>(p => p.Add(m => m.WaitingSince, Now.AddMinutes(-25)));

        var marker = cut.Find("[data-testid=unanswered-marker]");
        Assert.Contains("Unanswered · waiting 25 min", marker.TextContent, StringComparison.Ordinal);
        var time = cut.Find("time");
        Assert.Equal("Waiting since 2026-12-03 11:35 UTC", time.GetAttribute("title"));
        Assert.StartsWith("2026-12-03T11:35:00", time.GetAttribute("datetime"), StringComparison.Ordinal);
    }

    [Fact]
    public void ShowNothingWhenNobodyWaits()
    {
        var cut = _context.Render<UnansweredMarker>(p => p.Add(m => m.WaitingSince, null));

        Assert.Empty(cut.FindAll("[data-testid=unanswered-marker]"));
    }

    [Theory]
    [InlineData(20, "under a minute")]
    [InlineData(60 * 5, "5 min")]
    [InlineData(60 * 60 * 2, "2 h")]
    [InlineData(60 * 130, "2 h 10 min")]
    [InlineData(60 * 60 * 30, "1 day")]
    [InlineData(60 * 60 * 24 * 3, "3 days")]
    public void PutAWaitInWords(int seconds, string expected) => Assert.Equal(expected, UnansweredMarker.Waited(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void FollowTheRuleThatOnlyAnAgentReplyAfterTheLastInboundAnswersIt()
    {
        Assert.True(ConversationQueries.IsUnanswered(Now, null));
        Assert.True(ConversationQueries.IsUnanswered(Now, Now.AddMinutes(-1)));
        Assert.False(ConversationQueries.IsUnanswered(Now, Now));
        Assert.False(ConversationQueries.IsUnanswered(Now, Now.AddSeconds(1)));
        Assert.False(ConversationQueries.IsUnanswered(null, null));
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
