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
internal static class V2WidgetChannelEndpoints
{
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
        var settings = WidgetSettings.Parse(request?.AllowedOrigins, request?.PrimaryColor, request?.Position, request?.RotateSiteKey ?? false,
            request?.RotateIdentitySecret ?? false, request?.AttachmentTypes);
        var configured = await widgets.ConfigureAsync(settings, AuditActors.From(http), cancellationToken);
        origins.Forget(tenants.RequireTenant().Id);
        return TypedResults.Ok(WidgetChannelResponse.From(configured, http, assets));
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
