using OmniChat.Core.Messaging;
using OmniChat.Core.Outbox;
using OmniChat.Core.Platform;
using OmniChat.Core.Tenancy;
using OmniChat.Core.Webhooks;

namespace OmniChat.AdminPortal.Operator;

/// <summary>The operator console's services: tenant administration, dead letters, outbox lag, queue depths, service probes.</summary>
internal static class OperatorConsoleExtensions
{
    public static IHostApplicationBuilder AddOperatorConsole(this IHostApplicationBuilder builder)
    {
        // Replaying a webhook dead letter gives it a fresh retry window (the same setting the Workers use).
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        builder.Services.AddSingleton<TenantAdministration>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<OutboxBacklog>();
        builder.Services.AddSingleton<ServiceProbes>();
        builder.Services.AddSingleton<QueueDepths>();
        builder.Services.AddScoped<OperatorAccess>();
        builder.Services.AddScoped<OwnerInvitations>();
        return builder;
    }
}
