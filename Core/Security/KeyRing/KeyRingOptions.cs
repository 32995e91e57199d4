using System.Security.Cryptography;

namespace OmniChat.Core.Security.KeyRing;

/// <summary>
/// The key-encryption key that wraps every Data Protection key before it is stored (section <c>DataProtection</c>).
/// The key ring lives in PostgreSQL so every instance shares it; without this key a dump of the database reveals no
/// data key, and so no channel secret.
/// </summary>
public sealed class KeyRingOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "DataProtection";

    /// <summary>Bytes of a key-encryption key (AES-256).</summary>
    public const int KeyBytes = 32;

    /// <summary>
    /// The current key-encryption key, base64 of 32 random bytes (<c>DataProtection__KeyEncryptionKey</c>; generate one
    /// with <c>openssl rand -base64 32</c>). New data keys are wrapped with it.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>
    /// Earlier key-encryption keys, still accepted for unwrapping while data keys wrapped with them exist
    /// (<c>DataProtection__PreviousKeyEncryptionKeys__0</c>, …). Rotating: move the current key here, set a new one.
    /// </summary>
    public IList<string> PreviousKeyEncryptionKeys { get; } = [];

    /// <summary>Whether <paramref name="value"/> is a usable key-encryption key (base64 of exactly 32 bytes).</summary>
    public static bool IsValidKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var written) && written == KeyBytes;
    }

    /// <summary>A new random key-encryption key in the configured form.</summary>
    public static string GenerateKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
}
