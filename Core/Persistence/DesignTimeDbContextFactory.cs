using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running service.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<OmniChatDbContext>
{
    public OmniChatDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<OmniChatDbContext>()
            .UseNpgsql("Host=localhost;Database=omnichat_design", o => o.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .Options;
        return new OmniChatDbContext(options, new TenantContext());
    }
}
