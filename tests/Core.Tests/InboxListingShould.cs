using OmniChat.Core.Conversations;
using OmniChat.Core.Messages;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>The agent inbox lists and counts one tenant's conversations: another tenant's never appear, not even through search.</summary>
public sealed class InboxListingShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly InboxViewer Viewer = new(Guid.NewGuid(), "Agent Smith");

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task ListOnlyTheTenantsOwnConversations()
    {
        var inbox = new InboxListing(_db.AppDataSource);
        var ownA = await AddConversationAsync(_db.TenantA, "Shared name", "hello from a", ConversationStatus.Open);
        var ownB = await AddConversationAsync(_db.TenantB, "Shared name", "hello from b", ConversationStatus.Open);
        var closedB = await AddConversationAsync(_db.TenantB, "Shared name", "closed in b", ConversationStatus.Closed);

        var open = await ListAllAsync(inbox, _db.TenantA, new InboxQuery(InboxFilter.Open, Limit: InboxListing.MaxPageSize));
        var closed = await ListAllAsync(inbox, _db.TenantA, new InboxQuery(InboxFilter.Closed, Limit: InboxListing.MaxPageSize));
        var byName = await ListAllAsync(inbox, _db.TenantA, new InboxQuery(InboxFilter.Open, "Shared name"));

        Assert.Contains(ownA, open);
        Assert.DoesNotContain(ownB, open);
        Assert.DoesNotContain(closedB, closed);
        Assert.Equal([ownA], byName);
    }

    [Fact]
    public async Task NeverFindAnotherTenantsMessageText()
    {
        var inbox = new InboxListing(_db.AppDataSource);
        var secret = "only-in-b-" + Guid.NewGuid().ToString("N");
        var ownB = await AddConversationAsync(_db.TenantB, "Tenant B", $"the code is {secret}", ConversationStatus.Open);

        var fromA = await inbox.ListAsync(_db.TenantA, Viewer, new InboxQuery(InboxFilter.Open, secret), Ct);
        var fromB = await inbox.ListAsync(_db.TenantB, Viewer, new InboxQuery(InboxFilter.Open, secret), Ct);

        Assert.Empty(fromA.Rows);
        Assert.Equal([ownB], fromB.Rows.Select(r => r.Id));
        var all = await inbox.ListAsync(_db.TenantA, Viewer, new InboxQuery(InboxFilter.Open, Limit: InboxListing.MaxPageSize), Ct);
        Assert.DoesNotContain(all.Rows, r => r.LastMessage?.Text.Contains(secret, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task CountOnlyTheTenantsOwnConversations()
    {
        var inbox = new InboxListing(_db.AppDataSource);
        var before = await inbox.CountAsync(_db.TenantA, Viewer.AgentName, Ct);
        await AddConversationAsync(_db.TenantB, "B open", "waiting", ConversationStatus.Open);
        await AddConversationAsync(_db.TenantB, "B mine", "waiting", ConversationStatus.Claimed, claimedBy: Viewer.AgentName);
        await AddConversationAsync(_db.TenantB, "B closed", "done", ConversationStatus.Closed);

        var after = await inbox.CountAsync(_db.TenantA, Viewer.AgentName, Ct);
        await AddConversationAsync(_db.TenantA, "A mine", "waiting", ConversationStatus.Claimed, claimedBy: Viewer.AgentName);
        var withOwn = await inbox.CountAsync(_db.TenantA, Viewer.AgentName, Ct);

        Assert.Equal(before, after);
        Assert.Equal(before with { Open = before.Open + 1, Mine = before.Mine + 1, Unanswered = before.Unanswered + 1 }, withOwn);
    }

    private static async Task<List<Guid>> ListAllAsync(InboxListing inbox, TenantInfo tenant, InboxQuery query)
    {
        var ids = new List<Guid>();
        for (InboxCursor? after = null; ;)
        {
            var page = await inbox.ListAsync(tenant, Viewer, query with { After = after }, Ct);
            ids.AddRange(page.Rows.Select(r => r.Id));
            if (page.Next is not { } next)
            {
                return ids;
            }
            after = next;
        }
    }

    // A conversation with one inbound message, waiting for an answer.
    private async Task<Guid> AddConversationAsync(TenantInfo tenant, string name, string text, ConversationStatus status, string? claimedBy = null)
    {
        var now = DateTimeOffset.UtcNow;
        await using var system = _db.ForSystem();
        var conversation = new Conversation
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = name, Status = status, ClaimedBy = claimedBy, LastSeq = 1, LastInboundAt = now,
            CreatedAt = now, UpdatedAt = now, ClosedAt = status == ConversationStatus.Closed ? now : null,
        };
        system.Conversations.Add(conversation);
        system.Messages.Add(new Message { Id = Guid.CreateVersion7(), TenantId = tenant.Id, ConversationId = conversation.Id, Seq = 1, Direction = MessageDirection.Inbound,
            Text = text, CreatedAt = now });
        await system.SaveChangesAsync(Ct);
        return conversation.Id;
    }
}
