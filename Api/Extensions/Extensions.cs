using Microsoft.AspNetCore.Server.Kestrel.Core;
using OmniChat.Api.Errors;
using OmniChat.Api.Health;
using OmniChat.Api.OpenApi;
using OmniChat.Api.RateLimiting;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Attachments;
using OmniChat.Core.Billing;
using OmniChat.Core.Caching;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Channels.Widget;
using OmniChat.Core.Conversations;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Retention;
using OmniChat.Core.Security;
using OmniChat.Core.Security.KeyRing;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Webhooks;

namespace OmniChat.Api.Extensions;

internal static class Extensions
{
    /// <summary>Largest request body the API accepts.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence();
        builder.AddOmniChatRedis();
        builder.AddOmniChatSecrets();
        builder.AddOmniChatConversations();
        builder.AddOmniChatWebhooks();
        builder.AddOmniChatRateLimiting();
        builder.AddOmniChatEventStreams();

        builder.AddOmniChatKeyRing();
        builder.AddOmniChatTelegramChannels();
        builder.AddOmniChatWidgetChannels();
        builder.Services.AddOptions<Widget.WidgetOptions>().BindConfiguration(Widget.WidgetOptions.Section);
        builder.Services.AddSingleton<Widget.WidgetAssets>();
        builder.Services.AddSingleton<Widget.WidgetOrigins>();
        builder.Services.AddScoped<Widget.WidgetSessions>();
        builder.AddOmniChatAttachments();
        builder.Services.AddSingleton<Core.Customers.CustomerErasure>();
        builder.Services.AddScoped<Core.Identity.ApiKeys>();
        builder.Services.AddScoped<Core.Templates.TemplateTranslations>();
        builder.Services.AddScoped<Core.Audit.AuditLog>();
        builder.Services.AddScoped<Core.Tenancy.TenantUsage>();
        builder.Services.AddScoped<Core.Conversations.TenantStatistics>();
        builder.Services.AddSingleton<Core.Usage.ApiErrorCounts>();
        builder.AddOmniChatBilling();
        builder.Services.AddScoped<TenantUsage>();
        builder.Services.AddScoped<RetentionPeriod>();
        builder.Services.AddScoped<TenantLimits>();

        // Order matters: signed attachment links, the Telegram webhook and v1 routes decide before any credential is looked at.
        builder.Services.AddSingleton<ITenantStrategy, AttachmentLinkTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, TelegramWebhookTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, V1RouteTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, OperatorTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, ApiKeyTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, ConversationTokenTenantStrategy>();
        builder.Services.AddSingleton<ITenantStrategy, SiteKeyTenantStrategy>();
        builder.Services.AddSingleton<ApiKeyUsage>();
        builder.Services.AddScoped<Core.Health.DeepHealthCheck>();
        builder.Services.AddOptions<DeepHealthOptions>().BindConfiguration(DeepHealthOptions.Section)
            .Validate(o => o.Timeout > TimeSpan.Zero, "DeepHealth:Timeout must be positive").ValidateOnStart();

        builder.Services.AddProblemDetails(ProblemDetailsDefaults.Configure);
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        // Binding failures (malformed JSON, wrong types) reach the exception handler as problems with stable codes.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.AddApiReference();
    }

    public static void UseApplicationPipeline(this WebApplication app)
    {
        app.UseMiddleware<Telemetry.ApiResponseMetrics>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<TenantResolutionMiddleware>();
        app.UseMiddleware<Widget.WidgetCorsMiddleware>();
        app.UseMiddleware<RateLimitingMiddleware>();
    }
}
