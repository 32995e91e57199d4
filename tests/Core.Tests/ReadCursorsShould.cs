using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>A portal user's read cursors: kept per tenant, so one tenant's scope neither sees nor moves another's.</summary>
public sealed class ReadCursorsShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task KeepACursorInItsTenantOnly()
    {
        var user = await AddUserAsync();
        var inA = await AddConversationAsync(_db.TenantA, lastSeq: 5);
        var inB = await AddConversationAsync(_db.TenantB, lastSeq: 5);
        var cursors = new ReadCursors(_db.AppDataSource, TimeProvider.System);
        await cursors.MarkReadAsync(_db.TenantB, user, inB, 4, Ct);

        var marked = await cursors.MarkReadAsync(_db.TenantA, user, inA, 3, Ct);

        Assert.Equal(3, marked);
        Assert.Equal(0, await cursors.LastReadAsync(_db.TenantB, user, inA, Ct));
        Assert.Equal(0, await cursors.LastReadAsync(_db.TenantA, user, inB, Ct));
        Assert.Equal(4, await cursors.LastReadAsync(_db.TenantB, user, inB, Ct));
    }

    [Fact]
    public async Task WriteNothingForAnotherTenantsConversation()
    {
        var user = await AddUserAsync();
        var inB = await AddConversationAsync(_db.TenantB, lastSeq: 5);
        var cursors = new ReadCursors(_db.AppDataSource, TimeProvider.System);
        await cursors.MarkReadAsync(_db.TenantB, user, inB, 2, Ct);

        var marked = await cursors.MarkReadAsync(_db.TenantA, user, inB, 5, Ct);

        Assert.Null(marked);
        await using var system = _db.ForSystem();
        var stored = await system.ReadStates.AsNoTracking().Where(r => r.UserId == user).Select(r => new { r.TenantId, r.ConversationId, r.LastReadSeq }).ToListAsync(Ct);
        Assert.Equal([new { TenantId = _db.TenantB.Id, ConversationId = inB, LastReadSeq = 2L }], stored);
    }

    private async Task<Guid> AddConversationAsync(TenantInfo tenant, long lastSeq)
    {
        var now = DateTimeOffset.UtcNow;
        await using var system = _db.ForSystem();
        var conversation = new Conversation { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = "cursor", LastSeq = lastSeq, CreatedAt = now, UpdatedAt = now };
        system.Conversations.Add(conversation);
        await system.SaveChangesAsync(Ct);
        return conversation.Id;
    }

    private async Task<Guid> AddUserAsync()
    {
        var id = Guid.CreateVersion7();
        var email = $"reader-{id:N}@example.test";
        await using var system = _db.ForSystem();
        system.Users.Add(new User { Id = id, UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email,
            NormalizedEmail = email.ToUpperInvariant(), SecurityStamp = "stamp", CreatedAt = DateTimeOffset.UtcNow });
        await system.SaveChangesAsync(Ct);
        return id;
    }
}
