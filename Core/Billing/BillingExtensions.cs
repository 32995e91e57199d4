using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Security;

namespace OmniChat.Core.Billing;

/// <summary>Registers the billing provider's webhooks (the Api; the Workers add the grace sweeper, <see cref="BillingSuspension"/>).</summary>
public static class BillingExtensions
{
    /// <summary>Adds <see cref="BillingOptions"/> (section <c>Billing</c>) and <see cref="BillingWebhooks"/>.</summary>
    public static IHostApplicationBuilder AddOmniChatBilling(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.SectionName)
            .Validate(o => string.IsNullOrEmpty(o.Provider) || o.WebhookSecret is { Length: >= SecurityOptions.MinimumSecretLength },
                $"missing required setting Billing__WebhookSecret (at least {SecurityOptions.MinimumSecretLength} characters) for the billing provider")
            .Validate(o => o.ReplayWindow > TimeSpan.Zero && o.GracePeriod >= TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero,
                "Billing__ReplayWindow and Billing__SweepInterval must be positive, Billing__GracePeriod not negative")
            .Validate(o => !string.IsNullOrWhiteSpace(o.CancelledPlan), "Billing__CancelledPlan names a plan")
            .ValidateOnStart();
        builder.Services.AddScoped<BillingWebhooks>();
        return builder;
    }
}
