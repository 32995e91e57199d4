using System.Security.Cryptography;

namespace OmniChat.Core.Identity;

/// <summary>Makes and hashes API keys of the form <c>ock_&lt;env&gt;_&lt;random&gt;</c>.</summary>
public static class ApiKeySecret
{
    /// <summary>Length of the stored display prefix.</summary>
    public const int PrefixLength = 12;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new random key for environment <paramref name="environment"/> (<c>live</c>, <c>test</c>, <c>dev</c>).</summary>
    public static string Generate(string environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        return $"ock_{environment}_{RandomNumberGenerator.GetString(Alphabet, 40)}";
    }

    /// <summary>The SHA-256 hash stored for <paramref name="key"/>.</summary>
    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The display prefix stored for <paramref name="key"/>.</summary>
    public static string Prefix(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length <= PrefixLength ? key : key[..PrefixLength];
    }

    /// <summary>Whether <paramref name="value"/> looks like an OmniChat API key (cheap check before hashing).</summary>
    public static bool LooksLikeKey(string? value) =>
        value is { Length: > 8 and <= 128 } && value.StartsWith("ock_", StringComparison.Ordinal);
}
