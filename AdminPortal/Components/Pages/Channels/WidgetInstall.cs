using Microsoft.Extensions.Options;
using OmniChat.Core;
using OmniChat.Core.Channels.Widget;

namespace OmniChat.AdminPortal.Components.Pages.Channels;

/// <summary>Where browsers load the widget from: the Api's address as a visitor's browser reaches it.</summary>
internal sealed class WidgetInstallOptions
{
    public const string Section = "Widget";

    /// <summary>The Api's public origin (<c>Widget__ApiUrl</c>); default: the AppHost's <c>services__api__http__0</c>.</summary>
    public Uri? ApiUrl { get; set; }
}

/// <summary>
/// The install snippet as the Api hands it out (<see cref="WidgetSnippet"/>): the portal cannot see the Api's bundle
/// files, so it reads the loader the Api serves at <c>/widget.js</c> (public, no key) and hashes those very bytes for
/// the Subresource Integrity value. Cached until the Api's ETag changes; when the Api cannot be reached the snippet
/// goes without the integrity attribute and says so, rather than with a guessed hash.
/// </summary>
internal sealed partial class WidgetInstall(IHttpClientFactory clients, IOptions<WidgetInstallOptions> options, IConfiguration configuration, ILogger<WidgetInstall> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string? ETag, string Integrity, DateTimeOffset CheckedAt)? _cached;

    /// <summary>The Api's origin browsers load the widget from (no trailing slash).</summary>
    public string ApiOrigin =>
        (options.Value.ApiUrl?.ToString() ?? configuration[$"services:{ResourceNames.Api}:http:0"] ?? "http://localhost").TrimEnd('/');

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
            if (_cached is { } fresh && DateTimeOffset.UtcNow - fresh.CheckedAt < TimeSpan.FromMinutes(1))
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
                _cached = same with { CheckedAt = DateTimeOffset.UtcNow };
                return same.Integrity;
            }
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, (int)response.StatusCode);
                return null;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var integrity = WidgetSnippet.IntegrityOf(bytes);
            _cached = (response.Headers.ETag?.ToString(), integrity, DateTimeOffset.UtcNow);
            return integrity;
        }
        catch (HttpRequestException ex)
        {
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
        builder.Services.AddOptions<WidgetInstallOptions>().BindConfiguration(WidgetInstallOptions.Section);
        // Plain bytes (no Accept-Encoding): the hash must be of what the browser gets after decoding, the raw script.
        builder.Services.AddHttpClient(nameof(WidgetInstall), c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<WidgetInstall>();
        return builder;
    }
}
