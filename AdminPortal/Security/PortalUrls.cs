using OmniChat.Core;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// Where people's browsers reach the portal and the Api (<c>Portal__PublicUrl</c>, <c>Portal__ApiUrl</c>). Links in
/// mails (invitations, password resets) are built from <see cref="PublicUrl"/>, never from a request's Host header;
/// attachment links and the widget's install snippet point at <see cref="ApiUrl"/>.
/// </summary>
public sealed class PortalUrlOptions
{
    public const string Section = "Portal";

    /// <summary>The portal's public address. Required outside Development; there it defaults to the first listening URL.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>The Api's public address; default: its service-discovery address (<c>services__api__http__0</c>).</summary>
    public Uri? ApiUrl { get; set; }

    /// <summary>A link to <paramref name="relative"/> (a path and query, no leading slash) on the portal.</summary>
    public string Link(string relative) => new Uri(PublicUrl!, relative).ToString();
}

internal static class PortalUrlExtensions
{
    public static IHostApplicationBuilder AddPortalUrls(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<PortalUrlOptions>().BindConfiguration(PortalUrlOptions.Section)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                options.ApiUrl ??= Absolute(configuration[$"services:{ResourceNames.Api}:http:0"]);
                if (development)
                {
                    options.PublicUrl ??= Absolute(configuration["urls"]?.Split(';')[0]);
                }
                options.PublicUrl = WithTrailingSlash(options.PublicUrl);
                options.ApiUrl = WithTrailingSlash(options.ApiUrl);
            })
            .Validate(o => o.PublicUrl is { Scheme: "http" or "https" },
                "missing required setting Portal__PublicUrl (the portal's address as browsers reach it; mailed links use it)")
            .Validate(o => o.ApiUrl is { Scheme: "http" or "https" },
                "missing required setting Portal__ApiUrl (the Api's address as browsers reach it), or services__api__http__0")
            .ValidateOnStart();
        return builder;
    }

    private static Uri? Absolute(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;

    // Relative links resolve under a base path only when the base ends with a slash.
    private static Uri? WithTrailingSlash(Uri? uri) =>
        uri is null || uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
}
