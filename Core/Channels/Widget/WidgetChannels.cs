using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Widget;

/// <summary>What a tenant changes about its widget; null leaves a setting as it is.</summary>
public sealed partial record WidgetSettings(IReadOnlyList<string>? AllowedOrigins, string? PrimaryColor, WidgetPosition? Position,
    bool RotateSiteKey, bool RotateIdentitySecret)
{
    /// <summary>At most this many accepted file types per tenant.</summary>
    public const int MaxAttachmentTypes = 20;

    /// <summary>The file types visitors and agents may send (empty: the platform's defaults).</summary>
    public IReadOnlyList<string>? AttachmentTypes { get; init; }

    /// <summary>
    /// The settings from what a person or a client typed, checked: origins (<see cref="BrowserOrigins"/>), a <c>#rrggbb</c>
    /// colour, <c>right</c> or <c>left</c>, media types that a browser would never run. 400 <c>validation_failed</c> with
    /// the errors per field (<c>allowedOrigins</c>, <c>primaryColor</c>, <c>position</c>, <c>attachmentTypes</c>) otherwise.
    /// </summary>
    public static WidgetSettings Parse(IReadOnlyList<string?>? allowedOrigins, string? primaryColor, string? position, bool rotateSiteKey,
        bool rotateIdentitySecret, IReadOnlyList<string?>? attachmentTypes)
    {
        var errors = new Dictionary<string, string[]>();
        var allowed = allowedOrigins is { } raw ? BrowserOrigins.Parse(raw, "allowedOrigins", errors) : null;
        if (primaryColor is { } color && !WidgetTheme.IsColor(color))
        {
            errors["primaryColor"] = ["A colour as #rrggbb."];
        }
        WidgetPosition? side = null;
        if (position is { } text)
        {
            if (Enum.TryParse<WidgetPosition>(text, ignoreCase: true, out var parsed) && text.All(char.IsAsciiLetter))
            {
                side = parsed;
            }
            else
            {
                errors["position"] = ["right or left."];
            }
        }
        var types = attachmentTypes is { } raw2 ? ParseAttachmentTypes(raw2, errors) : null;
        ValidationException.ThrowIfAny(errors);
        return new WidgetSettings(allowed, primaryColor, side, rotateSiteKey, rotateIdentitySecret) { AttachmentTypes = types };
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9.+-]{0,62}/[a-z0-9][a-z0-9.+-]{0,126}$")]
    private static partial System.Text.RegularExpressions.Regex MediaType();

    // Media types (type/subtype), at most 20; never a type a browser would run (HTML, SVG, scripts).
    private static List<string> ParseAttachmentTypes(IReadOnlyList<string?> raw, Dictionary<string, string[]> errors)
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
}

/// <summary>The widget's install snippet: one script tag, the same wherever it is shown (API, portal, demo page).</summary>
public static class WidgetSnippet
{
    /// <summary>
    /// The loader from <paramref name="api"/> (the Api's origin as browsers reach it) for <paramref name="siteKey"/>, with the
    /// loader's Subresource Integrity hash (<paramref name="loaderIntegrity"/>, <c>sha384-…</c>) when it is known.
    /// </summary>
    public static string For(string api, string siteKey, string? loaderIntegrity) =>
        $"<script src=\"{api}/widget.js\" data-site-key=\"{siteKey}\""
        + (loaderIntegrity is null ? "" : $" integrity=\"{loaderIntegrity}\" crossorigin=\"anonymous\"") + " async></script>";

    /// <summary>The Subresource Integrity value of a script's bytes: <c>sha384-</c> + base64 of its SHA-384.</summary>
    public static string IntegrityOf(ReadOnlySpan<byte> script) =>
        "sha384-" + Convert.ToBase64String(System.Security.Cryptography.SHA384.HashData(script));
}

/// <summary>The widget's configuration, with the identity secret when it was just made (shown this once).</summary>
public sealed record ConfiguredWidget(WidgetChannel Channel, IReadOnlyList<string> AllowedOrigins, string? NewIdentitySecret)
{
    /// <summary>The file types the tenant accepts (its own list, or the platform's defaults).</summary>
    public IReadOnlyList<string> AttachmentTypes { get; init; } = Attachments.AttachmentOptions.DefaultTypes;

    public override string ToString() => $"ConfiguredWidget {{ SiteKey = {Channel.SiteKey} }}";
}

/// <summary>
/// The tenant's website widget settings, for every surface that manages them (API, portal, AppHost seeding): one
/// implementation of the site key, the identity secret and the origin allowlist. Runs in the current tenant's scope.
/// </summary>
public sealed class WidgetChannels(OmniChatDbContext db, ITenantContext tenants, WidgetSecrets secrets, TimeProvider time)
{
    /// <summary>The widget, or <see langword="null"/> when the tenant has not set one up.</summary>
    public async Task<ConfiguredWidget?> FindAsync(CancellationToken cancellationToken)
    {
        var tenantId = tenants.RequireTenant().Id;
        var channel = await db.WidgetChannels.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (channel is null)
        {
            return null;
        }
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.AllowedOrigins, t.AttachmentTypes }).SingleAsync(cancellationToken);
        return new ConfiguredWidget(channel, tenant.AllowedOrigins, null) { AttachmentTypes = TypesOrDefaults(tenant.AttachmentTypes) };
    }

    /// <summary>Creates the widget on first use, then applies <paramref name="settings"/>; audited.</summary>
    public async Task<ConfiguredWidget> ConfigureAsync(WidgetSettings settings, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(actor);
        var tenantId = tenants.RequireTenant().Id;
        var now = time.GetUtcNow();
        var channel = await db.WidgetChannels.SingleOrDefaultAsync(cancellationToken);
        var created = channel is null;
        if (channel is null)
        {
            channel = new WidgetChannel { Id = Guid.CreateVersion7(now), TenantId = tenantId, SiteKey = WidgetSecrets.NewSiteKey(), CreatedAt = now };
            db.WidgetChannels.Add(channel);
        }
        else if (settings.RotateSiteKey)
        {
            channel.SiteKey = WidgetSecrets.NewSiteKey();
        }
        channel.PrimaryColor = settings.PrimaryColor?.ToLowerInvariant() ?? channel.PrimaryColor;
        channel.Position = settings.Position ?? channel.Position;
        string? newSecret = null;
        if (settings.RotateIdentitySecret)
        {
            newSecret = WidgetSecrets.NewIdentitySecret();
            channel.ProtectedIdentitySecret = secrets.Protect(tenantId, newSecret);
            channel.IdentitySecretHint = newSecret[^4..];
        }
        channel.UpdatedAt = now;

        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId, cancellationToken);
        if (settings.AllowedOrigins is { } origins)
        {
            tenant.AllowedOrigins = [.. origins];
            tenant.UpdatedAt = now;
        }
        if (settings.AttachmentTypes is { } types)
        {
            tenant.AttachmentTypes = types.Count == 0 ? null : [.. types];
            tenant.UpdatedAt = now;
        }
        db.AuditEntries.Add(AuditEntry.Create(actor, created ? "widget.created" : "widget.updated", "widget", channel.Id.ToString(), now,
            new Dictionary<string, object?>
            {
                ["siteKeyRotated"] = !created && settings.RotateSiteKey,
                ["identitySecretRotated"] = settings.RotateIdentitySecret,
                ["allowedOrigins"] = settings.AllowedOrigins,
                ["attachmentTypes"] = settings.AttachmentTypes,
                ["primaryColor"] = settings.PrimaryColor,
                ["position"] = settings.Position?.ToString(),
            }));
        await db.SaveChangesAsync(cancellationToken);
        return new ConfiguredWidget(channel, tenant.AllowedOrigins, newSecret) { AttachmentTypes = TypesOrDefaults(tenant.AttachmentTypes) };
    }

    private static IReadOnlyList<string> TypesOrDefaults(List<string>? types) =>
        types is { Count: > 0 } own ? own : Attachments.AttachmentOptions.DefaultTypes;

    /// <summary>The tenant's identity secret, or <see langword="null"/> when it has none.</summary>
    public async Task<string?> IdentitySecretAsync(CancellationToken cancellationToken)
    {
        var tenantId = tenants.RequireTenant().Id;
        var protectedSecret = await db.WidgetChannels.AsNoTracking().Select(c => c.ProtectedIdentitySecret).SingleOrDefaultAsync(cancellationToken);
        return protectedSecret is null ? null : secrets.Unprotect(tenantId, protectedSecret);
    }

    /// <summary>
    /// Checks a site's signed user id (<paramref name="userHash"/> = hex HMAC-SHA256 of <paramref name="userId"/> with the
    /// identity secret) in constant time; 401 <c>identity_invalid</c> when it does not hold or the tenant has no secret.
    /// </summary>
    public async Task VerifyIdentityAsync(string userId, string? userHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var secret = await IdentitySecretAsync(cancellationToken);
        if (secret is null || !WidgetSecrets.Verifies(secret, userId, userHash))
        {
            throw new UnauthorizedException("identity_invalid", secret is null
                ? "This widget has no identity secret, so it cannot verify users."
                : "The userHash is not the HMAC-SHA256 of the userId with the widget's identity secret.");
        }
    }
}

/// <summary>Registers the widget channel services.</summary>
public static class WidgetExtensions
{
    public static IHostApplicationBuilder AddOmniChatWidgetChannels(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<WidgetSecrets>();
        builder.Services.AddScoped<WidgetChannels>();
        return builder;
    }
}
