using OmniChat.Core.Errors;

namespace OmniChat.Api.Endpoints;

/// <summary>Reads a request body as the exact bytes sent (what a signature or a webhook secret covers), up to a size.</summary>
internal static class RawBody
{
    /// <summary>The body, or 413 <c>payload_too_large</c> past <paramref name="maxBytes"/> (announced or read).</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static DomainException TooLarge(int maxBytes) => new(413, "payload_too_large", $"The body is at most {maxBytes} bytes.");
}
