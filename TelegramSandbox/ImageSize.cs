using System.Buffers.Binary;

namespace OmniChat.TelegramSandbox;

/// <summary>Width, height and type of a PNG, GIF or JPEG from its header, as Telegram reads a photo before keeping it.</summary>
public static class ImageSize
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static (int Width, int Height, string ContentType)? Of(ReadOnlySpan<byte> image)
    {
        if (image.Length >= 24 && image[..8].SequenceEqual(PngSignature))
        {
            return Sized(BinaryPrimitives.ReadInt32BigEndian(image[16..]), BinaryPrimitives.ReadInt32BigEndian(image[20..]), "image/png");
        }
        if (image.Length >= 10 && image[..4].SequenceEqual("GIF8"u8))
        {
            return Sized(BinaryPrimitives.ReadUInt16LittleEndian(image[6..]), BinaryPrimitives.ReadUInt16LittleEndian(image[8..]), "image/gif");
        }
        if (image.Length >= 4 && image[0] == 0xFF && image[1] == 0xD8)
        {
            return Jpeg(image);
        }
        return null;
    }

    // A JPEG's size is in its start-of-frame segment (markers C0–CF except C4, C8 and CC), after any number of others.
    private static (int, int, string)? Jpeg(ReadOnlySpan<byte> image)
    {
        var at = 2;
        while (at + 9 < image.Length && image[at] == 0xFF)
        {
            var marker = image[at + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(image[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return Sized(BinaryPrimitives.ReadUInt16BigEndian(image[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(image[(at + 5)..]), "image/jpeg");
            }
            at += 2 + length;
        }
        return null;
    }

    private static (int, int, string)? Sized(int width, int height, string contentType) =>
        width is > 0 and <= 20_000 && height is > 0 and <= 20_000 ? (width, height, contentType) : null;
}
