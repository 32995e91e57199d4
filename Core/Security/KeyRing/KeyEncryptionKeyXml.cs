using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OmniChat.Core.Security.KeyRing;

/// <summary>
/// The key-encryption keys of <see cref="KeyRingOptions"/>, each named by a short fingerprint so a wrapped data key says
/// which one can open it.
/// </summary>
internal sealed class KeyEncryptionKeys
{
    private static readonly byte[] AssociatedData = Encoding.UTF8.GetBytes("OmniChat.DataProtection.KeyRing.v1");

    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public KeyEncryptionKeys(KeyRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!KeyRingOptions.IsValidKey(options.KeyEncryptionKey))
        {
            throw new InvalidOperationException(
                $"{KeyRingOptions.Section}__KeyEncryptionKey must be base64 of {KeyRingOptions.KeyBytes} random bytes (openssl rand -base64 32).");
        }
        var current = Convert.FromBase64String(options.KeyEncryptionKey!.Trim());
        CurrentId = Fingerprint(current);
        _keys[CurrentId] = current;
        foreach (var previous in options.PreviousKeyEncryptionKeys.Where(KeyRingOptions.IsValidKey))
        {
            var key = Convert.FromBase64String(previous.Trim());
            _keys.TryAdd(Fingerprint(key), key);
        }
    }

    public string CurrentId { get; }

    public XElement Wrap(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(_keys[CurrentId], tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        }
        CryptographicOperations.ZeroMemory(plaintext);
        return new XElement("wrappedKey",
            new XAttribute("kek", CurrentId),
            new XAttribute("alg", "A256GCM"),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
    }

    public XElement Unwrap(XElement wrapped)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        var id = (string?)wrapped.Attribute("kek") ?? "";
        if (!_keys.TryGetValue(id, out var key))
        {
            throw new CryptographicException(
                $"A Data Protection key is wrapped with key-encryption key '{id}', which is not configured (current: '{CurrentId}'). " +
                $"Add it to {KeyRingOptions.Section}__PreviousKeyEncryptionKeys.");
        }
        var nonce = Convert.FromBase64String((string?)wrapped.Element("nonce") ?? "");
        var tag = Convert.FromBase64String((string?)wrapped.Element("tag") ?? "");
        var ciphertext = Convert.FromBase64String((string?)wrapped.Element("value") ?? "");
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key, tag.Length))
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData);
        }
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    // The first 8 bytes of the key's SHA-256, hex: names a key without revealing it.
    private static string Fingerprint(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
}

/// <summary>Wraps each new Data Protection key with the current key-encryption key (AES-256-GCM) before it is stored.</summary>
internal sealed class KeyEncryptionKeyXmlEncryptor(KeyEncryptionKeys keys) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        return new EncryptedXmlInfo(keys.Wrap(plaintextElement), typeof(KeyEncryptionKeyXmlDecryptor));
    }
}

/// <summary>
/// Unwraps a stored Data Protection key. Data Protection creates decryptors by type from the key's XML, with the
/// service provider, so the keys come from options rather than from the XML.
/// </summary>
public sealed class KeyEncryptionKeyXmlDecryptor : IXmlDecryptor
{
    private readonly KeyEncryptionKeys _keys;

    public KeyEncryptionKeyXmlDecryptor(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _keys = services.GetRequiredService<KeyEncryptionKeys>();
    }

    internal KeyEncryptionKeyXmlDecryptor(KeyEncryptionKeys keys) => _keys = keys;

    public XElement Decrypt(XElement encryptedElement) => _keys.Unwrap(encryptedElement);
}

/// <summary>Builds <see cref="KeyEncryptionKeys"/> from validated options.</summary>
internal static class KeyEncryptionKeysFactory
{
    public static KeyEncryptionKeys Create(IServiceProvider services) =>
        new(services.GetRequiredService<IOptions<KeyRingOptions>>().Value);
}
