using MudBlazor.Services;
using OmniChat.AdminPortal.Operator;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Caching;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security.KeyRing;

namespace OmniChat.AdminPortal.Extensions;

internal static class Extensions
{
    // Tenant pages read and write through the application role with the member's tenant set (row-level security); the
    // operator console alone opens the logged system scope. The shared Data Protection key ring protects the portal's
    // cookie and Identity's tokens (any instance reads them) and the channel secrets admins set.
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence(withSystemScope: true);
        builder.AddOmniChatRedis();
        builder.AddOmniChatKeyRing();
        builder.AddPortalIdentity();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();

        // Tenant administration (API keys, templates, team): the same Core services the Api uses.
        builder.Services.AddScoped<Core.Identity.ApiKeys>();
        builder.Services.AddScoped<Core.Templates.TemplateTranslations>();
        builder.Services.AddScoped<Core.Identity.Team>();

        // Operator console (issue 21): tenant administration, platform health, dead letters.
        builder.AddOperatorConsole();
    }
}
