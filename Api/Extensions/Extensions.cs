using OmniChat.Api.Errors;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Caching;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence();
        builder.AddOmniChatRedis();
        builder.AddOmniChatSecrets();

        // Order matters: the v1 route decides before any credential is looked at.
        builder.Services.AddSingleton<ITenantStrategy, V1RouteTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, ApiKeyTenantStrategy>();

        builder.Services.AddProblemDetails(ProblemDetailsDefaults.Configure);
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
    }

    public static void UseApplicationPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<TenantResolutionMiddleware>();
    }
}
