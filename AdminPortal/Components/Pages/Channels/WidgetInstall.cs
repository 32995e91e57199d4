using Microsoft.Extensions.Options;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Channels.Widget;

namespace OmniChat.AdminPortal.Components.Pages.Channels;

/// <summary>
/// The install snippet as the Api hands it out (<see cref="WidgetSnippet"/>): the portal cannot see the Api's bundle
/// files, so it reads the loader the Api serves at <c>/widget.js</c> (public, no key) and hashes those very bytes for
/// the Subresource Integrity value. Cached until the Api's ETag changes; when the Api cannot be reached the snippet
/// goes without the integrity attribute and says so, rather than with a guessed hash.
/// </summary>
internal sealed partial class WidgetInstall(IHttpClientFactory clients, IOptions<PortalUrlOptions> options, TimeProvider time, ILogger<WidgetInstall> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string? ETag, string Integrity, DateTimeOffset CheckedAt)? _cached;

    /// <summary>The Api's origin browsers load the widget from (no trailing slash).</summary>
    public string ApiOrigin => options.Value.ApiUrl!.ToString().TrimEnd('/');

    /// <summary>The snippet for <paramref name="siteKey"/>, and whether it carries the loader's integrity hash.</summary>
    public async Task<(string Snippet, bool HasIntegrity)> SnippetAsync(string siteKey, CancellationToken cancellationToken)
    {
        var integrity = await LoaderIntegrityAsync(cancellationToken);
        return (WidgetSnippet.For(ApiOrigin, siteKey, integrity), integrity is not null);
    }

    private async Task<string?> LoaderIntegrityAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } fresh && time.GetUtcNow() - fresh.CheckedAt < TimeSpan.FromMinutes(1))
            {
                return fresh.Integrity;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{ApiOrigin}/widget.js");
            if (_cached?.ETag is { } etag)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }
            using var response = await clients.CreateClient(nameof(WidgetInstall)).SendAsync(request, cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.NotModified && _cached is { } same)
            {
                _cached = same with { CheckedAt = time.GetUtcNow() };
                return same.Integrity;
            }
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, (int)response.StatusCode);
                return null;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var integrity = WidgetSnippet.IntegrityOf(bytes);
            _cached = (response.Headers.ETag?.ToString(), integrity, time.GetUtcNow());
            return integrity;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable, or slower than the client's timeout: the page still gets a snippet, and says it lacks the hash.
            LogUnreachable(logger, ex.Message);
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Api answered {Status} for /widget.js: the install snippet goes without its integrity hash")]
    private static partial void LogUnavailable(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Api cannot be reached for /widget.js ({Reason}): the install snippet goes without its integrity hash")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}

internal static class WidgetInstallExtensions
{
    public static IHostApplicationBuilder AddWidgetInstall(this IHostApplicationBuilder builder)
    {
        // Plain bytes (no Accept-Encoding): the hash must be of what the browser gets after decoding, the raw script.
        builder.Services.AddHttpClient(nameof(WidgetInstall), c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<WidgetInstall>();
        return builder;
    }
}
