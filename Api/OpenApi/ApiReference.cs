using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace OmniChat.Api.OpenApi;

/// <summary>Whether the Api publishes its OpenAPI document and reference UI (section <c>Api</c>).</summary>
internal sealed class ApiReferenceOptions
{
    /// <summary>
    /// Serve <c>/openapi/v1.json</c> and <c>/docs</c>. Unset: on in Development, off everywhere else (the document maps
    /// every route, the admin ones included; publish it on purpose).
    /// </summary>
    public bool? PublishApiReference { get; set; }
}

/// <summary>Maps the OpenAPI document and the Scalar reference UI when <see cref="ApiReferenceOptions"/> says so.</summary>
internal static class ApiReference
{
    public static void AddApiReference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiReferenceOptions>().BindConfiguration("Api");
        builder.Services.AddOpenApi(OpenApiDocumentSetup.Configure);
    }

    public static void MapApiReference(this WebApplication app)
    {
        var publish = app.Services.GetRequiredService<IOptions<ApiReferenceOptions>>().Value.PublishApiReference
            ?? app.Environment.IsDevelopment();
        if (publish)
        {
            app.MapOpenApi();
            // The reference opens with the API key scheme selected (the credential most integrators hold); every other
            // scheme is one click away, each with its description of how to get and send it.
            app.MapScalarApiReference("/docs", scalar => scalar
                .AddPreferredSecuritySchemes(OpenApiDocumentSetup.ApiKeyScheme)
                .EnablePersistentAuthentication());
        }
    }
}
