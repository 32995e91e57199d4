using Bunit;
using Microsoft.AspNetCore.Components;
using OmniChat.AdminPortal.Components.Shared;
using OmniChat.Core.Conversations;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The claim button's states for the signed-in agent.</summary>
public sealed class ClaimButtonShould : IAsyncDisposable
{
    private readonly BunitContext _context = Components.NewContext();

    [Fact]
    public void OfferToClaimAnUnclaimedConversation()
    {
        var claimed = false;
        var cut = Render(ConversationStatus.Open, claimedBy: null, onClaim: () => claimed = true);

        var button = cut.Find("[data-testid=claim]");
        Assert.Equal("Claim", button.TextContent.Trim());
        button.Click();
        Assert.True(claimed);
        Assert.Empty(cut.FindAll("[data-testid=release]"));
    }

    [Fact]
    public void OfferToReleaseAConversationTheAgentHolds()
    {
        var released = false;
        var cut = Render(ConversationStatus.Claimed, claimedBy: "Ana", onRelease: () => released = true);

        cut.Find("[data-testid=release]").Click();

        Assert.True(released);
        Assert.Empty(cut.FindAll("[data-testid=claim]"));
    }

    [Fact]
    public void NameWhoHoldsAConversationClaimedByAnotherAgentAndOfferNothing()
    {
        var cut = Render(ConversationStatus.Claimed, claimedBy: "Bruno");

        var button = cut.Find("[data-testid=claimed-by-other]");
        Assert.Equal("Claimed by Bruno", button.TextContent.Trim());
        Assert.True(button.HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=claim], [data-testid=release]"));
    }

    [Fact]
    public void ShowNoButtonForAClosedConversation()
    {
        var cut = Render(ConversationStatus.Closed, claimedBy: "Ana");

        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public void NotLetAMemberWithoutTheSupportPermissionClaim()
    {
        var cut = Render(ConversationStatus.Open, claimedBy: null, canAnswer: false);

        Assert.True(cut.Find("[data-testid=claim]").HasAttribute("disabled"));
    }

    private IRenderedComponent<ClaimButton> Render(ConversationStatus status, string? claimedBy, bool canAnswer = true,
        Action? onClaim = null, Action? onRelease = null) =>
        _context.Render<ClaimButton>(p => p
            .Add(b => b.Status, status)
            .Add(b => b.ClaimedBy, claimedBy)
            .Add(b => b.AgentName, "Ana")
            .Add(b => b.CanAnswer, canAnswer)
            .Add(b => b.OnClaim, EventCallback.Factory.Create(this, onClaim ?? (() => { })))
            .Add(b => b.OnRelease, EventCallback.Factory.Create(this, onRelease ?? (() => { }))));

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
