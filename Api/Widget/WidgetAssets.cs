using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OmniChat.Core.Channels.Widget;

namespace OmniChat.Api.Widget;

/// <summary>Where the widget's bundles are and where browsers reach the realtime hub.</summary>
internal sealed class WidgetOptions
{
    public const string Section = "Widget";

    /// <summary>The folder holding <c>loader.js</c>, <c>app.js</c> and <c>v1.js</c> (default: <c>widget/</c> beside the Api, where the build puts them).</summary>
    public string? AssetsPath { get; set; }

    /// <summary>The hub's address as browsers see it (<c>wss://rt.example</c>); default: the AppHost's <c>services__realtime__http__0</c> as ws.</summary>
    public Uri? RealtimeUrl { get; set; }

    /// <summary>The hub's address for browsers: <see cref="RealtimeUrl"/>, else the AppHost's service address as ws(s), else this host.</summary>
    public Uri RealtimeUrlFor(IConfiguration configuration, HttpContext http)
    {
        if (RealtimeUrl is { } configured)
        {
            return configured;
        }
        var builder = new UriBuilder(configuration["services:realtime:http:0"] ?? $"{http.Request.Scheme}://{http.Request.Host}");
        builder.Scheme = builder.Scheme == "https" ? "wss" : "ws";
        return new Uri(builder.Uri.GetLeftPart(UriPartial.Authority));
    }
}

/// <summary>One bundle as served: its bytes, precompressed, with its ETag and Subresource Integrity hash.</summary>
internal sealed record WidgetAsset(byte[] Raw, byte[] Gzip, byte[] Brotli, string ETag, string Integrity, string Hash);

/// <summary>
/// The widget's bundles, read and compressed once at start: <c>/widget.js</c> (the small loader: a stable URL, cached for
/// minutes), <c>/widget/app.&lt;hash&gt;.js</c> (the app: content-addressed, cached for a year, loaded by the loader with
/// its SRI hash from the bootstrap; <c>/widget/app.js</c> when the bootstrap failed, to show why) and <c>/widget/v1.js</c> (the default tenant's v1 widget).
/// </summary>
internal sealed partial class WidgetAssets
{
    private const string JavaScript = "text/javascript; charset=utf-8";

    public WidgetAssets(IOptions<WidgetOptions> options, ILogger<WidgetAssets> logger)
    {
        var folder = options.Value.AssetsPath ?? Path.Combine(AppContext.BaseDirectory, "widget");
        Loader = Load(folder, "loader.js", logger);
        App = Load(folder, "app.js", logger);
        V1 = Load(folder, "v1.js", logger);
    }

    public WidgetAsset? Loader { get; }

    public WidgetAsset? App { get; }

    public WidgetAsset? V1 { get; }

    /// <summary>
    /// The install snippet: the loader from <paramref name="api"/> (the Api's origin) for <paramref name="siteKey"/>, with the
    /// loader's integrity hash when it was built. What <c>GET /v2/channels/widget</c> hands out and <c>/demo</c> embeds.
    /// </summary>
    public string Snippet(string api, string siteKey) => WidgetSnippet.For(api, siteKey, Loader?.Integrity);

    /// <summary>The app bundle's path (content-addressed), or null when it was not built.</summary>
    public string? AppPath => App is null ? null : $"/widget/app.{App.Hash}.js";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/widget.js", (HttpContext http, WidgetAssets assets) => Serve(http, assets.Loader, "public, max-age=300"))
            .ExcludeFromDescription();
        app.MapGet("/widget/app.{hash}.js", (string hash, HttpContext http, WidgetAssets assets) =>
                Serve(http, assets.App is { } a && a.Hash == hash ? a : null, "public, max-age=31536000, immutable"))
            .ExcludeFromDescription();
        // The loader's fallback when the bootstrap failed (it has no hash then): the app shows why.
        app.MapGet("/widget/app.js", (HttpContext http, WidgetAssets assets) => Serve(http, assets.App, "public, max-age=300"))
            .ExcludeFromDescription();
        app.MapGet("/widget/v1.js", (HttpContext http, WidgetAssets assets) => Serve(http, assets.V1, "public, max-age=300"))
            .ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext http, WidgetAsset? asset, string cacheControl)
    {
        if (asset is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Nothing here.", extensions: new Dictionary<string, object?> { ["code"] = "not_found" });
        }
        var headers = http.Response.Headers;
        headers.CacheControl = cacheControl;
        headers.ETag = asset.ETag;
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.XContentTypeOptions = "nosniff";
        // Any site may load the script (the loader adds crossorigin="anonymous" for its integrity check).
        headers.AccessControlAllowOrigin = "*";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Contains(asset.ETag, StringComparison.Ordinal)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var accepts = http.Request.Headers.AcceptEncoding.ToString();
        if (accepts.Contains("br", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "br";
            return TypedResults.Bytes(asset.Brotli, JavaScript);
        }
        if (accepts.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(asset.Gzip, JavaScript);
        }
        return TypedResults.Bytes(asset.Raw, JavaScript);
    }

    private static WidgetAsset? Load(string folder, string name, ILogger logger)
    {
        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            LogMissing(logger, path);
            return null;
        }
        var raw = File.ReadAllBytes(path);
        var sha256 = SHA256.HashData(raw);
        return new WidgetAsset(raw, Compress(raw, s => new GZipStream(s, CompressionLevel.SmallestSize)),
            Compress(raw, s => new BrotliStream(s, CompressionLevel.SmallestSize)),
            $"\"{Convert.ToHexStringLower(sha256)[..16]}\"", WidgetSnippet.IntegrityOf(raw),
            Convert.ToHexStringLower(sha256)[..12]);
    }

    private static byte[] Compress(byte[] raw, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(raw);
        }
        return output.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Widget bundle {Path} is missing: build the Api (it runs npm run build in Widget)")]
    private static partial void LogMissing(ILogger logger, string path);
}
