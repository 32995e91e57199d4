namespace OmniChat.Core.Security;

/// <summary>The credential of an <c>Authorization: Bearer …</c> header, read the same way by every service.</summary>
public static class BearerToken
{
    private const string Prefix = "Bearer ";

    /// <summary>The trimmed token, or null when the header is missing, has another scheme, or carries nothing.</summary>
    public static string? From(string? authorizationHeader) =>
        authorizationHeader is not null && authorizationHeader.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && authorizationHeader[Prefix.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;
}
