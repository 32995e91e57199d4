using MudBlazor.Services;
using OmniChat.Core.Caching;
using OmniChat.Core.Persistence;

namespace OmniChat.AdminPortal.Extensions;

internal static class Extensions
{
    // The portal reads tenant data (tenant scope) and, for the operator console, the platform (system scope).
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence(withSystemScope: true);
        builder.AddOmniChatRedis();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
    }
}
