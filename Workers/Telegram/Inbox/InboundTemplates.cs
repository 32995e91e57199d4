using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Templates;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>A tenant's template texts (greeting, notes), resolved along the locale chain in the tenant's scope.</summary>
internal sealed class InboundTemplates(IServiceScopeFactory scopes)
{
    /// <summary>The text of <paramref name="key"/> for <paramref name="locale"/> (or the tenant's default locale), or null.</summary>
    public async Task<string?> ResolveAsync(TenantInfo tenant, string key, string? locale, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ITenantContext>().Use(tenant);
        var db = scope.ServiceProvider.GetRequiredService<OmniChatDbContext>();
        var tenantLocale = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant.Id).Select(t => t.DefaultLocale).SingleAsync(cancellationToken);
        return (await new TemplateResolver(db).ResolveAsync(key, locale, tenantLocale, cancellationToken))?.Text;
    }
}
