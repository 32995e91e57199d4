using System.Net.Http.Headers;
using System.Text.Json;

namespace OmniChat.Bench;

/// <summary>
/// A JSON request body with a <c>Content-Length</c>, as a browser's <c>fetch</c> and most clients send a small body.
/// <see cref="System.Net.Http.Json.JsonContent"/> streams instead, which makes every request chunked: a profile of the
/// Api under ingest load showed chunked-body parsing and its extra pipe reads, work no widget would cause.
/// </summary>
internal static class JsonBody
{
    private static readonly MediaTypeHeaderValue ContentType = new("application/json") { CharSet = "utf-8" };

    public static ByteArrayContent Of<T>(T value) => Of(JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web));

    /// <summary>A body of bytes serialized once (the same payload sent many times).</summary>
    public static ByteArrayContent Of(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = ContentType;
        return content;
    }
}
