using Npgsql;
using OmniChat.Core.Attachments;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// A tenant's usage counts (the usage page in the tenant's scope, the operator console in the system scope): one query,
/// and only that tenant's rows count.
/// </summary>
public sealed class TenantUsageShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;
    private NpgsqlDataSource? _system;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task CountOnlyTheTenantsOwnRows()
    {
        var monthStart = TenantUsage.MonthStart(DateTimeOffset.UtcNow);
        var beforeA = await CountInOwnScopeAsync(_db.TenantA, monthStart);
        var beforeB = await CountInOwnScopeAsync(_db.TenantB, monthStart);

        await AddActivityAsync(_db.TenantA, conversations: 1, messagesEach: 2, bytes: 10);
        await AddActivityAsync(_db.TenantB, conversations: 3, messagesEach: 4, bytes: 1000);

        var expectedA = beforeA with
        {
            Conversations = beforeA.Conversations + 1, ConversationsThisMonth = beforeA.ConversationsThisMonth + 1,
            OpenConversations = beforeA.OpenConversations + 1, Messages = beforeA.Messages + 2, MessagesThisMonth = beforeA.MessagesThisMonth + 2,
            Members = beforeA.Members + 1, ApiKeys = beforeA.ApiKeys + 1, StorageBytes = beforeA.StorageBytes + 10,
        };
        Assert.Equal(expectedA, await CountInOwnScopeAsync(_db.TenantA, monthStart));
        await using (var system = _db.ForSystem())
        {
            Assert.Equal(expectedA, await TenantUsage.CountAsync(system, _db.TenantA.Id, monthStart, Ct));
            var b = await TenantUsage.CountAsync(system, _db.TenantB.Id, monthStart, Ct);
            Assert.Equal((beforeB.Conversations + 3, beforeB.Messages + 12, beforeB.StorageBytes + 1000), (b!.Conversations, b.Messages, b.StorageBytes));
        }
    }

    [Fact]
    public async Task SeeNoOtherTenantFromATenantsScope()
    {
        await AddActivityAsync(_db.TenantB, conversations: 1, messagesEach: 1, bytes: 5);

        await using var db = _db.ForTenant(_db.TenantA);

        Assert.Null(await TenantUsage.CountAsync(db, _db.TenantB.Id, TenantUsage.MonthStart(DateTimeOffset.UtcNow), Ct));
    }

    [Fact]
    public async Task CountOnlyThisMonthsConversationsAndMessagesAsThisMonth()
    {
        var monthStart = TenantUsage.MonthStart(DateTimeOffset.UtcNow);
        var before = await CountInOwnScopeAsync(_db.TenantA, monthStart);

        await AddActivityAsync(_db.TenantA, conversations: 1, messagesEach: 2, bytes: 0, at: monthStart.AddSeconds(-1));

        var after = await CountInOwnScopeAsync(_db.TenantA, monthStart);
        Assert.Equal((before.Conversations + 1, before.ConversationsThisMonth), (after.Conversations, after.ConversationsThisMonth));
        Assert.Equal((before.Messages + 2, before.MessagesThisMonth), (after.Messages, after.MessagesThisMonth));
    }

    [Fact]
    public void StartTheMonthAtMidnightUtcOnTheFirst() =>
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero),
            TenantUsage.MonthStart(new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.FromHours(-2))));

    [Fact]
    public async Task GiveTheOperatorTheSameCountsAndNoTenantForAMalformedIdentifier()
    {
        await AddActivityAsync(_db.TenantA, conversations: 2, messagesEach: 1, bytes: 7);
        await AddActivityAsync(_db.TenantB, conversations: 1, messagesEach: 3, bytes: 9);
        var administration = new TenantAdministration(SystemFactory(), TimeProvider.System);
        var by = new PlatformOperator(Guid.NewGuid(), "operator@example.test");

        var details = await administration.FindAsync(by, _db.TenantA.Identifier, Ct);

        Assert.Equal(await CountInOwnScopeAsync(_db.TenantA, details!.Usage.MonthStart), details.Usage);
        Assert.Null(await administration.FindAsync(by, _db.TenantA.Identifier + "\0", Ct));
        Assert.Null(await administration.FindAsync(by, _db.TenantA.Identifier + "\n", Ct));
        Assert.Null(await administration.FindAsync(by, new string('a', 10_000), Ct));
    }

    private SystemDbContextFactory SystemFactory() =>
        SystemDbContextFactory.Over(_system ??= PersistenceExtensions.BuildDataSource(_db.Connections.System));

    private async Task<TenantActivity> CountInOwnScopeAsync(TenantInfo tenant, DateTimeOffset monthStart)
    {
        await using var db = _db.ForTenant(tenant);
        return await TenantUsage.CountAsync(db, tenant.Id, monthStart, Ct) ?? throw new InvalidOperationException("The tenant's scope does not see it.");
    }

    // Conversations with messages and one attachment of `bytes`, an active member and an API key (none when bytes is 0).
    private async Task AddActivityAsync(TenantInfo tenant, int conversations, int messagesEach, long bytes, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        await using var system = _db.ForSystem();
        Conversation? first = null;
        for (var i = 0; i < conversations; i++)
        {
            var conversation = new Conversation { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = "usage", LastSeq = messagesEach, CreatedAt = now, UpdatedAt = now };
            first ??= conversation;
            system.Conversations.Add(conversation);
            for (var seq = 1; seq <= messagesEach; seq++)
            {
                system.Messages.Add(new Message { Id = Guid.CreateVersion7(), TenantId = tenant.Id, ConversationId = conversation.Id, Seq = seq, Text = "usage", CreatedAt = now });
            }
        }
        if (bytes > 0)
        {
            system.Attachments.Add(new Attachment { Id = Guid.CreateVersion7(), TenantId = tenant.Id, ConversationId = first!.Id, Uploader = AttachmentUploader.Visitor,
                Name = "a.txt", ContentType = "text/plain", Size = bytes, StorageKey = Guid.NewGuid().ToString("N"), Sha256 = new string('0', 64), CreatedAt = now });
            var userId = Guid.CreateVersion7();
            var email = $"usage-{userId:N}@example.test";
            system.Users.Add(new User { Id = userId, UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email,
                NormalizedEmail = email.ToUpperInvariant(), SecurityStamp = "stamp", CreatedAt = now });
            system.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), TenantId = tenant.Id, UserId = userId, Role = MembershipRole.Agent,
                AgentName = "Usage " + userId.ToString("N")[^8..], CreatedAt = now });
            system.ApiKeys.Add(new ApiKey { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = "usage", Prefix = "oc_" + userId.ToString("N")[..8],
                Hash = Guid.NewGuid().ToByteArray(), CreatedAt = now });
        }
        await system.SaveChangesAsync(Ct);
    }
}
