using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OmniChat.Api.OpenApi;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c>: every v1 and v2 route, with the two bearer schemes.</summary>
internal static class OpenApiDocumentSetup
{
    public static void Configure(OpenApiOptions options)
    {
        OpenApiExamples.Configure(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "OmniChat API",
                Version = "v1+v2",
                Description = "v1: the frozen widget API of the default tenant (conversation tokens) and its legacy admin (service token). " +
                              "v2: any tenant, with scoped API keys (Authorization: Bearer ock_…). Errors are RFC 9457 problems with a stable `code`.",
            };
            return Task.CompletedTask;
        });
    }
}
