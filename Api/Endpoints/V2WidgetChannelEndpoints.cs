using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Widget;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// The tenant's website widget (scope <c>channels:write</c>): site key, allowed origins, theme, identity secret (shown
/// once, when made). The origins are the tenant's one allowlist, the realtime hub's too.
/// </summary>
internal static partial class V2WidgetChannelEndpoints
{
    private const int MaxAttachmentTypes = 20;

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9.+-]{0,62}/[a-z0-9][a-z0-9.+-]{0,126}$")]
    private static partial System.Text.RegularExpressions.Regex MediaType();

    public static IEndpointRouteBuilder MapV2WidgetChannelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/channels/widget").WithTags("v2 channels").RequireScope(ApiScopes.ChannelsWrite);
        group.MapPut("/", Configure).WithName("V2ConfigureWidget")
            .WithSummary("Set up or change the website widget: allowed origins, theme, and rotating the site key or the identity secret (shown once).");
        group.MapGet("/", Get).WithName("V2GetWidget").WithSummary("The website widget's settings and install snippet (the identity secret only as a hint).")
            .Problems(ProblemCodes.WidgetNotConfigured);
        return app;
    }

    internal static async Task<Ok<WidgetChannelResponse>> Configure(ConfigureWidgetRequest? request, HttpContext http, WidgetChannels widgets,
        WidgetOrigins origins, WidgetAssets assets, ITenantContext tenants, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var allowed = request?.AllowedOrigins is { } raw ? BrowserOrigins.Parse(raw, "allowedOrigins", errors) : null;
        if (request?.PrimaryColor is { } color && !WidgetTheme.IsColor(color))
        {
            errors["primaryColor"] = ["A colour as #rrggbb."];
        }
        WidgetPosition? position = null;
        if (request?.Position is { } side)
        {
            if (Enum.TryParse<WidgetPosition>(side, ignoreCase: true, out var parsed) && side.All(char.IsAsciiLetter))
            {
                position = parsed;
            }
            else
            {
                errors["position"] = ["right or left."];
            }
        }
        var types = request?.AttachmentTypes is { } raw2 ? AttachmentTypes(raw2, errors) : null;
        ValidationException.ThrowIfAny(errors);
        var configured = await widgets.ConfigureAsync(new WidgetSettings(allowed, request?.PrimaryColor, position, request?.RotateSiteKey ?? false,
            request?.RotateIdentitySecret ?? false) { AttachmentTypes = types }, AuditActors.From(http), cancellationToken);
        origins.Forget(tenants.RequireTenant().Id);
        return TypedResults.Ok(WidgetChannelResponse.From(configured, http, assets));
    }

    // Media types (type/subtype), at most 20; never a type a browser would run (HTML, SVG, scripts).
    private static List<string> AttachmentTypes(IReadOnlyList<string?> raw, Dictionary<string, string[]> errors)
    {
        var types = raw.Select(t => t?.Trim().ToLowerInvariant() ?? "").Distinct(StringComparer.Ordinal).ToList();
        var invalid = types.Where(t => !MediaType().IsMatch(t) || t is "text/html" or "image/svg+xml" or "application/xhtml+xml"
            or "text/javascript" or "application/javascript" or "text/xml" or "application/xml").ToList();
        if (invalid.Count > 0)
        {
            errors["attachmentTypes"] = [$"Media types such as image/png; never HTML, SVG or scripts: {string.Join(", ", invalid.Take(5))}."];
        }
        else if (types.Count > MaxAttachmentTypes)
        {
            errors["attachmentTypes"] = [$"At most {MaxAttachmentTypes} types."];
        }
        return types;
    }

    internal static async Task<Ok<WidgetChannelResponse>> Get(HttpContext http, WidgetChannels widgets, WidgetAssets assets,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(WidgetChannelResponse.From(await widgets.FindAsync(cancellationToken)
            ?? throw new NotFoundException("widget_not_configured", "The website widget is not set up yet: PUT /v2/channels/widget."), http, assets));
}

/// <summary>Changes to the website widget; absent fields stay as they are.</summary>
internal sealed record ConfigureWidgetRequest(
    [property: Description("Browser origins allowed to use the widget (replaces the list; empty: the Api's own origin only).")] IReadOnlyList<string?>? AllowedOrigins,
    [property: Description("#rrggbb")] string? PrimaryColor,
    [property: Description("right or left")] string? Position,
    [property: Description("A new site key: the old snippet stops working.")] bool? RotateSiteKey,
    [property: Description("A new identity secret, shown once in the answer: the old one stops verifying at once.")] bool? RotateIdentitySecret,
    [property: Description("File types visitors and agents may send, checked against the content (replaces the list; empty: the defaults).")]
    IReadOnlyList<string?>? AttachmentTypes);

/// <summary>The website widget's settings. <c>identitySecret</c> appears only in the answer that made it.</summary>
internal sealed record WidgetChannelResponse(
    string SiteKey,
    IReadOnlyList<string> AllowedOrigins,
    string PrimaryColor,
    string Position,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? IdentitySecretHint,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? IdentitySecret,
    [property: Description("File types visitors and agents may send.")] IReadOnlyList<string> AttachmentTypes,
    [property: Description("The script tag to put on the site.")] string Snippet,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull),
        Description("Subresource Integrity hash of /widget.js.")] string? LoaderIntegrity,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static WidgetChannelResponse From(ConfiguredWidget configured, HttpContext http, WidgetAssets assets)
    {
        var c = configured.Channel;
        var integrity = assets.Loader?.Integrity;
        var snippet = assets.Snippet($"{http.Request.Scheme}://{http.Request.Host}", c.SiteKey);
        return new(c.SiteKey, configured.AllowedOrigins, c.PrimaryColor, c.Position.ToString().ToLowerInvariant(),
            c.IdentitySecretHint is null ? null : "…" + c.IdentitySecretHint, configured.NewIdentitySecret, configured.AttachmentTypes, snippet, integrity,
            c.CreatedAt, c.UpdatedAt);
    }

    public override string ToString() => $"WidgetChannelResponse {{ SiteKey = {SiteKey} }}";
}
