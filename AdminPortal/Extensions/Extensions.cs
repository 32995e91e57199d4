using MudBlazor.Services;
using OmniChat.AdminPortal.Components.Pages.Channels;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Audit;
using OmniChat.Core.Caching;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Conversations;
using OmniChat.Core.Health;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Security.KeyRing;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Webhooks;

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

        // Tenant administration: channels, webhooks, audit log, usage (the same Core services the Api's endpoints call).
        builder.AddOmniChatSecrets(requireServiceToken: false);
        builder.AddOmniChatConversations();
        builder.AddOmniChatWebhooks();
        builder.AddOmniChatTelegramChannels();
        builder.AddOmniChatWidgetChannels();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<TenantUsage>();
        builder.Services.AddScoped<DeepHealthCheck>();
        builder.AddWidgetInstall();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
    }
}
