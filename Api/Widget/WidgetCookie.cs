using OmniChat.Core.Conversations;

namespace OmniChat.Api.Widget;

/// <summary>
/// The widget visitor's refresh token lives only in this cookie: HttpOnly (no script reads it), Secure, SameSite=None
/// and Partitioned (CHIPS: one jar per embedding site, so it works in third-party context without tracking across
/// sites), scoped to the widget routes. The conversation token stays in the widget's memory.
/// </summary>
internal static class WidgetCookie
{
    public const string Path = "/v2/widget";

    // One cookie per tenant: two tenants' widgets on one site keep their own conversations.
    private static string Name(Guid tenantId) => $"omnichat_{tenantId:N}";

    public static string? Read(HttpContext http, Guid tenantId) =>
        http.Request.Cookies.TryGetValue(Name(tenantId), out var value) && value is { Length: > 0 and <= 200 } ? value : null;

    public static void Write(HttpContext http, Guid tenantId, string refreshToken) =>
        http.Response.Cookies.Append(Name(tenantId), refreshToken, Options(RefreshToken.Lifetime));

    public static void Clear(HttpContext http, Guid tenantId) =>
        http.Response.Cookies.Append(Name(tenantId), "", Options(TimeSpan.Zero));

    private static CookieOptions Options(TimeSpan maxAge)
    {
        var options = new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.None,
            Path = Path,
            MaxAge = maxAge,
            IsEssential = true,
        };
        options.Extensions.Add("Partitioned");
        return options;
    }
}
