using Microsoft.EntityFrameworkCore;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

public sealed class MigrationsShould(ServersFixture servers)
{
    [Fact]
    public async Task ApplyToAnEmptyDatabase()
    {
        await using var db = await TenantDatabase.CreateAsync(servers);
        await using var context = db.ForTenant(db.TenantA);

        var pending = await context.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken);
        var applied = await context.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken);

        Assert.Empty(pending);
        Assert.Equal(context.Database.GetMigrations(), applied);
        Assert.Equal(Core.Tenancy.Plan.Defaults.Count, await context.Plans.CountAsync(TestContext.Current.CancellationToken));
    }
}
