using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Widget;

/// <summary>
/// <c>GET /demo</c>: a customer's web page with the widget installed exactly as the install snippet says — the default
/// tenant's widget, or any tenant's with <c>?siteKey=</c>; <c>?widget=v1</c> shows the default tenant's frozen v1 widget
/// (<c>/widget/v1.js</c>) instead. For trying the widget and for the browser tests.
/// </summary>
internal static class DemoPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/demo", ServeAsync).ExcludeFromDescription();

    private static async Task<IResult> ServeAsync(string? widget, HttpContext http, ITenantContext tenants, OmniChatDbContext db, WidgetAssets assets,
        IOptions<WidgetOptions> options, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var tenant = tenants.Tenant;
        var siteKey = tenant is null ? null
            : await db.WidgetChannels.AsNoTracking().Select(c => c.SiteKey).SingleOrDefaultAsync(cancellationToken);
        if (tenant is null || siteKey is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No widget is set up for this site key.",
                extensions: new Dictionary<string, object?> { ["code"] = "site_key_not_found" });
        }
        http.Response.Headers.CacheControl = "no-store";
        var api = $"{http.Request.Scheme}://{http.Request.Host}";
        var snippet = assets.Snippet(api, siteKey);
        var script = widget == "v1" && tenant.Identifier == Tenant.DefaultIdentifier
            ? $"<script src=\"/widget/v1.js\" data-realtime-url=\"{WebUtility.HtmlEncode(options.Value.RealtimeUrlFor(configuration, http).ToString().TrimEnd('/'))}\" integrity=\"{assets.V1?.Integrity}\" crossorigin=\"anonymous\" async></script>"
            : snippet;
        var name = WebUtility.HtmlEncode(tenant.Name);
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{name}} — demo shop</title>
            <style>
              body { font-family: system-ui, sans-serif; margin: 0; color: #1f2937; background: #f9fafb; }
              header { background: #111827; color: #fff; padding: 1rem 2rem; }
              main { max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; }
              .card { background: #fff; border: 1px solid #e5e7eb; border-radius: .5rem; padding: 1rem 1.5rem; margin-bottom: 1rem; }
              pre { white-space: pre-wrap; word-break: break-all; }
            </style>
            </head>
            <body>
            <header><h1>{{name}}</h1></header>
            <main>
              <div class="card"><h2>Welcome to our shop</h2><p>This page stands in for a customer's website. The chat button in the corner is the OmniChat widget, installed with the snippet below.</p></div>
              <div class="card"><h2>Install snippet</h2><pre><code>{{WebUtility.HtmlEncode(snippet)}}</code></pre></div>
            </main>
            {{script}}
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }
}
