namespace OmniChat.Core.Tenancy;

/// <summary>Browser origins as the tenant's allowlist keeps them (<c>https://shop.example</c>, <c>http://localhost:3000</c>).</summary>
public static class BrowserOrigins
{
    /// <summary>At most this many origins per tenant.</summary>
    public const int MaxPerTenant = 50;

    /// <summary><c>https://Shop.Example:443/</c> → <c>https://shop.example</c>; null for anything that is not a bare http(s) origin.</summary>
    public static string? Normalize(string? raw)
    {
        if (raw is null || raw.Length > 300 || !Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.UserInfo.Length > 0)
        {
            return null;
        }
        return uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
    }

    /// <summary>
    /// The normalised, distinct origins of <paramref name="raw"/>, or the validation errors (keyed by <paramref name="field"/>).
    /// </summary>
    public static IReadOnlyList<string> Parse(IReadOnlyList<string?> raw, string field, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(errors);
        var origins = new List<string>();
        var invalid = new List<string>();
        foreach (var item in raw)
        {
            if (Normalize(item) is { } origin)
            {
                origins.Add(origin);
            }
            else
            {
                invalid.Add(item ?? "null");
            }
        }
        if (invalid.Count > 0)
        {
            errors[field] = [$"Not an origin (scheme://host[:port], no path): {string.Join(", ", invalid.Take(5))}."];
        }
        else if (origins.Count > MaxPerTenant)
        {
            errors[field] = [$"At most {MaxPerTenant} origins."];
        }
        return [.. origins.Distinct(StringComparer.Ordinal)];
    }
}
