using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// The widget's calls before it holds a conversation token (bootstrap, start, session), the browser's CORS preflights of
/// every widget route, and the demo page name the tenant by its public site key (<c>?siteKey=wk_…</c>). The key is looked
/// up through a narrow function; it proves nothing about the caller, so these routes also check the browser's Origin
/// against the tenant's allowlist (<see cref="Widget.WidgetCorsMiddleware"/>). <c>/demo</c> without a key shows the
/// default tenant's widget.
/// </summary>
internal sealed class SiteKeyTenantStrategy : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http)
        {
            return null;
        }
        var demo = http.Request.Path.StartsWithSegments("/demo");
        if (!demo && !http.Request.Path.StartsWithSegments("/v2/widget"))
        {
            return null;
        }
        var siteKey = http.Request.Query["siteKey"].ToString();
        if (siteKey.Length == 0 && demo)
        {
            return await store.FindByIdentifierAsync(Tenant.DefaultIdentifier, cancellationToken);
        }
        return WidgetSecrets.LooksLikeSiteKey(siteKey) ? await store.FindBySiteKeyAsync(siteKey, cancellationToken) : null;
    }
}
