using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OmniChat.Core.Security;

/// <summary>What <see cref="TimestampedSignature.Check"/> found.</summary>
public enum SignatureCheck
{
    /// <summary>The timestamp is fresh and one <c>v1</c> matches.</summary>
    Valid,

    /// <summary>No header, no timestamp, or no <c>v1</c> value.</summary>
    Missing,

    /// <summary>The timestamp is further from now than the tolerance (a replay, or a clock far off).</summary>
    Stale,

    /// <summary>No <c>v1</c> value matches the body under the secret.</summary>
    Mismatch,
}

/// <summary>
/// The Stripe-style signature header both directions use (our webhooks out, billing providers' webhooks in):
/// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>, with one <c>v1</c> per secret
/// while a rotation overlaps. Signatures cover the raw bytes; comparisons take constant time.
/// </summary>
public static class TimestampedSignature
{
    /// <summary>The header value for <paramref name="body"/> at <paramref name="timestamp"/>, one <c>v1</c> per secret.</summary>
    public static string Sign(ReadOnlySpan<byte> body, long timestamp, params ReadOnlySpan<string> secrets)
    {
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Convert.ToHexStringLower(Mac(body, timestamp, secret)));
        }
        return header.ToString();
    }

    /// <summary>The header value for the UTF-8 bytes of <paramref name="body"/>.</summary>
    public static string Sign(string body, long timestamp, params ReadOnlySpan<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Sign(Encoding.UTF8.GetBytes(body), timestamp, secrets);
    }

    /// <summary>
    /// Checks <paramref name="header"/> against <paramref name="body"/>: its timestamp within <paramref name="tolerance"/> of
    /// <paramref name="now"/>, and one of its <c>v1</c> values equal to HMAC-SHA256(secret, "t.body").
    /// </summary>
    public static SignatureCheck Check(ReadOnlySpan<byte> body, string? header, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        long? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var part in (header ?? "").Split(','))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }
            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == SHA256.HashSizeInBytes * 2)
            {
                try
                {
                    candidates.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // Not hex: matches nothing.
                }
            }
        }
        if (timestamp is not { } ts || candidates.Count == 0)
        {
            return SignatureCheck.Missing;
        }
        if (Math.Abs((double)now.ToUnixTimeSeconds() - ts) > tolerance.TotalSeconds)
        {
            return SignatureCheck.Stale;
        }
        var expected = Mac(body, ts, secret);
        var match = false;
        foreach (var candidate in candidates)
        {
            match |= CryptographicOperations.FixedTimeEquals(candidate, expected);
        }
        return match ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    // HMAC-SHA256(secret, "<timestamp>.<body>")
    private static byte[] Mac(ReadOnlySpan<byte> body, long timestamp, string secret)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
