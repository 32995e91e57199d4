using System.Globalization;
using System.Text;

namespace OmniChat.Core.Attachments;

/// <summary>
/// What a file's first bytes say it is (magic numbers), and whether that agrees with what the uploader declared. The
/// stored and served type is always the sniffed one.
/// </summary>
public static class AttachmentContent
{
    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int SniffLength = 4096;

    public const string Zip = "application/zip";
    public const string PlainText = "text/plain";
    public const string Html = "text/html";
    public const string OctetStream = "application/octet-stream";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The type of content starting with <paramref name="head"/> (<paramref name="complete"/>: the head is the whole file),
    /// or null when it is none we know. Markup (HTML, SVG, XML) is <c>text/html</c>, never plain text.
    /// </summary>
    public static string? Sniff(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04])) return Zip;
        return IsText(head, complete) ? (LooksLikeMarkup(head) ? Html : PlainText) : null;
    }

    /// <summary>
    /// The type to store for sniffed content: the sniffed type, or for a zip the declared office type when one was declared.
    /// Null when the declaration contradicts the content (another family: an "image/png" that is HTML, a "text/plain"
    /// that is a PDF). A missing or <c>application/octet-stream</c> declaration claims nothing and agrees with anything.
    /// </summary>
    public static string? Reconcile(string sniffed, string? declared)
    {
        ArgumentNullException.ThrowIfNull(sniffed);
        var claim = Normalize(declared);
        if (claim is null or OctetStream || claim == sniffed)
        {
            return sniffed;
        }
        if (sniffed == Zip)
        {
            return IsZipOffice(claim) ? claim : claim is "application/x-zip-compressed" ? Zip : null;
        }
        if (sniffed == "application/pdf")
        {
            return claim is "application/x-pdf" ? sniffed : null;
        }
        // Images agree with any image declaration (a .jpg that is a PNG is still a PNG), text with any text except markup.
        return Family(sniffed) == Family(claim) && !(sniffed == PlainText && claim is Html or "image/svg+xml") ? sniffed : null;
    }

    /// <summary>The media type without parameters, lowercase; null for nothing usable.</summary>
    public static string? Normalize(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }
        var type = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        return type.Contains('/', StringComparison.Ordinal) && type.Length <= 127 ? type : null;
    }

    /// <summary>Raster images a browser may show inline; everything else is served as a download.</summary>
    public static bool IsInlineImage(string contentType) => contentType is "image/png" or "image/jpeg" or "image/gif" or "image/webp";

    private static bool IsZipOffice(string type) =>
        type.StartsWith("application/vnd.openxmlformats-officedocument.", StringComparison.Ordinal)
        || type.StartsWith("application/vnd.oasis.opendocument.", StringComparison.Ordinal)
        || type is "application/epub+zip";

    private static string Family(string type) => type.Split('/', 2)[0];

    private static bool IsText(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.IsEmpty || head.Contains((byte)0))
        {
            return false;
        }
        // A head cut off inside a character is fine: leave out up to three bytes of an unfinished sequence at the end.
        var length = head.Length;
        if (!complete)
        {
            var back = 0;
            while (back < 3 && back < length && (head[length - 1 - back] & 0xC0) == 0x80) back++;
            if (back < length && head[length - 1 - back] >= 0xC0) length -= back + 1;
        }
        try
        {
            StrictUtf8.GetCharCount(head[..length]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool LooksLikeMarkup(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 512)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n')
            .ToLower(CultureInfo.InvariantCulture);
        return text.StartsWith("<!doctype", StringComparison.Ordinal) || text.StartsWith("<html", StringComparison.Ordinal)
            || text.StartsWith("<svg", StringComparison.Ordinal) || text.StartsWith("<?xml", StringComparison.Ordinal)
            || text.StartsWith("<script", StringComparison.Ordinal) || text.StartsWith("<head", StringComparison.Ordinal)
            || text.StartsWith("<body", StringComparison.Ordinal) || text.StartsWith("<iframe", StringComparison.Ordinal);
    }
}

/// <summary>File names as stored and shown: the last path segment, no control or reserved characters, at most 255 characters.</summary>
public static class AttachmentFileName
{
    public const int MaxLength = 255;

    private const string Reserved = "\"\\/:*?<>|";

    /// <summary>A safe name for <paramref name="name"/> (<c>file</c> when nothing usable is left).</summary>
    public static string Sanitize(string? name)
    {
        var raw = (name ?? "").Replace('\\', '/');
        raw = raw[(raw.LastIndexOf('/') + 1)..];
        var builder = new StringBuilder(raw.Length);
        foreach (var rune in raw.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsControl(rune) || category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
                || (rune.IsAscii && Reserved.Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                builder.Append('_');
                continue;
            }
            builder.Append(rune.ToString());
        }
        var cleaned = builder.ToString().Trim().Trim('.').Trim();
        if (cleaned.Length == 0)
        {
            return "file";
        }
        if (cleaned.Length > MaxLength)
        {
            var extension = Path.GetExtension(cleaned);
            extension = extension.Length is > 1 and <= 16 ? extension : "";
            var stem = cleaned[..(MaxLength - extension.Length)];
            // Never end inside a surrogate pair.
            if (char.IsHighSurrogate(stem[^1])) stem = stem[..^1];
            cleaned = stem + extension;
        }
        return cleaned;
    }
}
