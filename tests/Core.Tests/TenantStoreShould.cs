using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>Look-ups before the tenant is known go through the SECURITY DEFINER functions, as the application role.</summary>
public sealed class TenantStoreShould(ServersFixture servers) : IAsyncLifetime
{
    private TenantDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task ResolveEachApiKeyToItsOwnTenant()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);
        var keyA = await AddKeyAsync(_db.TenantA, revoked: false);
        var keyB = await AddKeyAsync(_db.TenantB, revoked: false);

        var a = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(keyA), TestContext.Current.CancellationToken);
        var b = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(keyB), TestContext.Current.CancellationToken);

        Assert.Equal(_db.TenantA.Id, a!.Tenant.Id);
        Assert.Equal(_db.TenantB.Id, b!.Tenant.Id);
        Assert.Equal(ApiScopes.All, a.Scopes);
        Assert.True(a.IsUsableAt(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task ReportARevokedKeyAsUnusable()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);
        var key = await AddKeyAsync(_db.TenantB, revoked: true);

        var resolved = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(key), TestContext.Current.CancellationToken);

        Assert.False(resolved!.IsUsableAt(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task FindNothingForAnUnknownKey()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);

        var resolved = await store.FindByApiKeyHashAsync(ApiKeySecret.Hash(ApiKeySecret.Generate("test")), TestContext.Current.CancellationToken);

        Assert.Null(resolved);
    }

    [Fact]
    public async Task ResolveEachRefreshTokenToItsOwnTenantAndConversation()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);
        var (conversationA, tokenA) = await AddRefreshTokenAsync(_db.TenantA);
        var (conversationB, tokenB) = await AddRefreshTokenAsync(_db.TenantB);

        var a = await store.FindByRefreshTokenHashAsync(RefreshTokenSecret.Hash(tokenA), TestContext.Current.CancellationToken);
        var b = await store.FindByRefreshTokenHashAsync(RefreshTokenSecret.Hash(tokenB), TestContext.Current.CancellationToken);
        var unknown = await store.FindByRefreshTokenHashAsync(RefreshTokenSecret.Hash(RefreshTokenSecret.Generate()), TestContext.Current.CancellationToken);

        Assert.Equal((_db.TenantA.Id, conversationA), (a!.Tenant.Id, a.ConversationId));
        Assert.Equal((_db.TenantB.Id, conversationB), (b!.Tenant.Id, b.ConversationId));
        Assert.Null(unknown);
    }

    [Fact]
    public async Task FindTenantsByIdentifierAndId()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);

        var byIdentifier = await store.FindByIdentifierAsync("demo", TestContext.Current.CancellationToken);
        var byId = await store.FindByIdAsync(_db.TenantA.Id, TestContext.Current.CancellationToken);
        var missing = await store.FindByIdentifierAsync("nobody", TestContext.Current.CancellationToken);

        Assert.Equal(_db.TenantB.Id, byIdentifier!.Id);
        Assert.Equal(Tenant.DefaultIdentifier, byId!.Identifier);
        Assert.Null(missing);
    }

    [Fact]
    public async Task ResolveTheFirstTenantAStrategyFindsAndSetItOnTheContext()
    {
        var store = new PostgresTenantStore(_db.AppDataSource);
        var context = new TenantContext();
        var resolver = new TenantResolver([new FixedStrategy(null), new FixedStrategy("demo"), new FixedStrategy(Tenant.DefaultIdentifier)], store, context);

        var tenant = await resolver.ResolveAsync(new object(), TestContext.Current.CancellationToken);

        Assert.Equal("demo", tenant!.Identifier);
        Assert.Same(tenant, context.Tenant);
    }

    private async Task<string> AddKeyAsync(TenantInfo tenant, bool revoked)
    {
        var key = ApiKeySecret.Generate("test");
        await using var system = _db.ForSystem();
        system.ApiKeys.Add(new ApiKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant.Id,
            Name = "test",
            Prefix = ApiKeySecret.Prefix(key),
            Hash = ApiKeySecret.Hash(key),
            Scopes = [.. ApiScopes.All],
            CreatedAt = DateTimeOffset.UtcNow,
            RevokedAt = revoked ? DateTimeOffset.UtcNow : null,
        });
        await system.SaveChangesAsync(TestContext.Current.CancellationToken);
        Assert.True(await system.ApiKeys.AnyAsync(k => k.Prefix == ApiKeySecret.Prefix(key), TestContext.Current.CancellationToken));
        return key;
    }

    private async Task<(Guid ConversationId, string Token)> AddRefreshTokenAsync(TenantInfo tenant)
    {
        var conversation = await _db.AddConversationAsync(tenant, "refreshing");
        var token = RefreshTokenSecret.Generate();
        await using var system = _db.ForSystem();
        system.RefreshTokens.Add(new RefreshToken
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant.Id,
            ConversationId = conversation.Id,
            FamilyId = Guid.CreateVersion7(),
            TokenHash = RefreshTokenSecret.Hash(token),
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        });
        await system.SaveChangesAsync(TestContext.Current.CancellationToken);
        return (conversation.Id, token);
    }

    private sealed class FixedStrategy(string? identifier) : ITenantStrategy
    {
        public Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken) =>
            identifier is null ? Task.FromResult<TenantInfo?>(null) : store.FindByIdentifierAsync(identifier, cancellationToken);
    }
}
