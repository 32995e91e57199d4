using Bunit;
using OmniChat.AdminPortal.Components.Shared;
using OmniChat.Core.Conversations;
using OmniChat.Core.Messages;

namespace OmniChat.AdminPortal.Tests;

/// <summary>An inbox row: unread count, who has it, the last message, the unanswered marker.</summary>
public sealed class InboxConversationRowShould : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly BunitContext _context = Components.NewContext(new FixedTime(Now));

    [Fact]
    public void ShowTheUnreadCountTheLastMessageAndTheWait()
    {
        var row = Row(unread: 3, lastInbound: Now.AddMinutes(-7), lastOutbound: null);

        var cut = _context.Render<InboxConversationRow>(p => p.Add(r => r.Row, row));

        Assert.Equal($"/admin/conversations/{row.Id}", cut.Find("a").GetAttribute("href"));
        Assert.Equal("3", cut.Find("[data-testid=unread-count]").TextContent);
        Assert.Contains("Visitor: Where is my order?", cut.Find("[data-testid=inbox-row-preview]").TextContent, StringComparison.Ordinal);
        Assert.Contains("waiting 7 min", cut.Find("[data-testid=unanswered-marker]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void ShowNeitherUnreadNorMarkerOnceReadAndAnswered()
    {
        var row = Row(unread: 0, lastInbound: Now.AddMinutes(-7), lastOutbound: Now.AddMinutes(-6));

        var cut = _context.Render<InboxConversationRow>(p => p.Add(r => r.Row, row));

        Assert.Empty(cut.FindAll("[data-testid=unread-count]"));
        Assert.Empty(cut.FindAll("[data-testid=unanswered-marker]"));
    }

    private static InboxRow Row(int unread, DateTimeOffset? lastInbound, DateTimeOffset? lastOutbound) => new(
        Guid.CreateVersion7(), "Order 42", ConversationStatus.Open, null, "web", "widget", Now.AddMinutes(-6), lastInbound, lastOutbound, 4,
        new InboxPreview(MessageDirection.Inbound, "Where is my order?", null, Now.AddMinutes(-7)), unread);

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
