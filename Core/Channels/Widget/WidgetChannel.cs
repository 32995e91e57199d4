using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Widget;

/// <summary>Which side of the page the widget's launcher sits on.</summary>
public enum WidgetPosition
{
    Right,
    Left,
}

/// <summary>
/// A tenant's website widget: its public site key (what the install snippet names), its theme, and the identity secret
/// the tenant's own server signs user ids with (stored only as <see cref="ProtectedIdentitySecret"/>, Data Protection
/// with a purpose per tenant). The browser origins it answers are the tenant's <see cref="Tenant.AllowedOrigins"/>,
/// the same list the realtime hub checks.
/// </summary>
public sealed class WidgetChannel : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>Public, unique across the platform: <c>wk_</c> and 24 random characters.</summary>
    public required string SiteKey { get; set; }

    /// <summary>The identity secret under Data Protection; null until the tenant asks for one.</summary>
    public string? ProtectedIdentitySecret { get; set; }

    /// <summary>The identity secret's last four characters, for people to tell secrets apart.</summary>
    public string? IdentitySecretHint { get; set; }

    /// <summary>The launcher's and the header's colour, <c>#rrggbb</c>.</summary>
    public string PrimaryColor { get; set; } = WidgetTheme.DefaultPrimaryColor;

    public WidgetPosition Position { get; set; } = WidgetPosition.Right;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Theme rules shared by the API and the widget.</summary>
public static class WidgetTheme
{
    public const string DefaultPrimaryColor = "#2563eb";
    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether <paramref name="color"/> is <c>#rrggbb</c>.</summary>
    public static bool IsColor(string? color) =>
        color is { Length: 7 } && color[0] == '#' && !color.AsSpan(1).ContainsAnyExcept(Hex);
}
