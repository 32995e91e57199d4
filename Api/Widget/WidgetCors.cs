using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Widget;

/// <summary>
/// The browser origins a tenant's widget answers: its allowlist (<c>tenants.allowed_origins</c>, the list the realtime
/// hub checks too), or the Api's own origin (the demo page). Cached per instance for a few seconds; a change made through
/// this instance applies at once.
/// </summary>
internal sealed class WidgetOrigins(TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, (string[] Origins, DateTimeOffset Expires)> _byTenant = new();

    public async Task<bool> AllowsAsync(HttpContext http, TenantInfo tenant, string origin)
    {
        if (string.Equals(origin, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var now = time.GetUtcNow();
        if (!_byTenant.TryGetValue(tenant.Id, out var cached) || cached.Expires <= now)
        {
            var db = http.RequestServices.GetRequiredService<OmniChatDbContext>();
            var origins = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant.Id).Select(t => t.AllowedOrigins).SingleAsync(http.RequestAborted);
            cached = ([.. origins], now + CacheFor);
            _byTenant[tenant.Id] = cached;
        }
        return cached.Origins.Contains(origin, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Drops the cached list of <paramref name="tenantId"/> (after it changed).</summary>
    public void Forget(Guid tenantId) => _byTenant.TryRemove(tenantId, out _);
}

/// <summary>
/// CORS for <c>/v2/widget/…</c>, exactly for the tenant's allowed origins: the tenant is the conversation token's or the
/// site key's (preflights carry no token, so the widget adds <c>?siteKey=</c> to every call). A browser request from any
/// other origin is refused with 403 <c>origin_not_allowed</c> before the endpoint runs; that refusal alone is readable by
/// the page, so the widget can say why it cannot work there. Requests without <c>Origin</c> are not a browser's and pass.
/// </summary>
internal sealed class WidgetCorsMiddleware(RequestDelegate next, WidgetOrigins origins, IProblemDetailsService problems)
{
    private const string AllowedMethods = "GET, POST";
    private const string AllowedHeaders = "authorization, content-type";
    private const string ExposedHeaders = "retry-after, x-request-id";

    public async Task InvokeAsync(HttpContext http, ITenantContext tenants)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (!http.Request.Path.StartsWithSegments("/v2/widget") || origin.Length == 0)
        {
            await next(http);
            return;
        }
        var preflight = HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);
        var tenant = tenants.Tenant;
        if (tenant is null && !preflight)
        {
            await next(http); // no tenant: the endpoint answers (401 without a token, 404 for an unknown site key)
            return;
        }
        var allowed = tenant is not null && await origins.AllowsAsync(http, tenant, origin);
        // Set when the response starts: the exception handler clears headers before it writes a problem.
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.AccessControlAllowOrigin = origin;
            headers.AccessControlAllowCredentials = "true";
            headers.Append(HeaderNames.Vary, HeaderNames.Origin);
            if (allowed)
            {
                headers.AccessControlExposeHeaders = ExposedHeaders;
            }
            return Task.CompletedTask;
        });
        if (!allowed)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            var context = new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = 403, Title = "This website is not allowed to use the chat widget.", Detail = $"Origin {origin} is not on the widget's allowlist." },
            };
            context.ProblemDetails.Extensions["code"] = "origin_not_allowed";
            await problems.WriteAsync(context);
            return;
        }
        if (preflight)
        {
            http.Response.Headers.AccessControlAllowMethods = AllowedMethods;
            http.Response.Headers.AccessControlAllowHeaders = AllowedHeaders;
            http.Response.Headers.AccessControlMaxAge = "600";
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        await next(http);
    }
}
