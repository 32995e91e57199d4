using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using OmniChat.AdminPortal.Components.Pages.Channels;
using OmniChat.AdminPortal.Inbox;
using OmniChat.AdminPortal.Operator;
using OmniChat.AdminPortal.Security;
using OmniChat.Core.Attachments;
using OmniChat.Core.Audit;
using OmniChat.Core.Caching;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Conversations;
using OmniChat.Core.Events;
using OmniChat.Core.Health;
using OmniChat.Core.Persistence;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Retention;
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
        builder.AddPortalUrls();
        builder.AddPortalIdentity();

        // Tenant administration: channels, webhooks, audit log, usage, dashboard (the same Core services the Api's endpoints call).
        builder.AddOmniChatSecrets(requireServiceToken: false);
        builder.AddOmniChatConversations();
        builder.AddOmniChatWebhooks();
        builder.AddOmniChatTelegramChannels();
        builder.AddOmniChatWidgetChannels();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<TenantUsage>();
        builder.Services.AddScoped<Core.Conversations.TenantStatistics>();
        builder.Services.AddSingleton<Core.Usage.ApiErrorCounts>();
        builder.Services.AddScoped<RetentionPeriod>();
        // The plans as uploads and the rate limiter read them (cached a minute), so the usage page shows the limits enforced.
        builder.Services.TryAddSingleton<PlanCatalog>();
        builder.Services.AddScoped<DeepHealthCheck>();
        builder.AddWidgetInstall();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Filled snackbars: white text on the theme's darkened status colours meets WCAG AA (PortalTheme).
        builder.Services.AddMudServices(config => config.SnackbarConfiguration.SnackbarVariant = MudBlazor.Variant.Filled);

        // Tenant administration (API keys, templates, team): the same Core services the Api uses.
        builder.Services.AddScoped<Core.Identity.ApiKeys>();
        builder.Services.AddScoped<Core.Templates.TemplateTranslations>();
        builder.Services.AddScoped<Core.Identity.Team>();

        // Operator console (issue 21): tenant administration, platform health, dead letters.
        builder.AddOperatorConsole();

        // Agent inbox and conversation view.
        builder.AddInbox();
    }

    // Agent inbox and conversation view: the same write path as the Api and Telegram (ConversationWriter), the tenant's
    // event feed for live updates, attachment links signed as the Api signs them (they open at the Api's address).
    private static void AddInbox(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatEventStreams();
        // Links only: the portal neither stores nor serves files (AddOmniChatAttachments would bring the upload intake).
        builder.Services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section)
            .Validate(o => o.SigningKey is null || o.SigningKey.Length >= 32, "Attachments:SigningKey must have at least 32 characters")
            .Validate(o => o.LinkLifetime > TimeSpan.Zero && o.LinkLifetime <= TimeSpan.FromHours(1), "Attachments:LinkLifetime must be within an hour")
            .ValidateOnStart();
        builder.Services.AddSingleton<AttachmentLinks>();
        builder.Services.AddSingleton<InboxListing>();
        builder.Services.AddSingleton<InboxThreads>();
        builder.Services.AddSingleton<ReadCursors>();
        builder.Services.AddSingleton<InboxLiveUpdates>();
        builder.Services.AddSingleton<TypingSignals>();
        builder.Services.AddSingleton<AttachmentUrls>();
    }
}
