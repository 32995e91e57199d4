using Microsoft.Extensions.Options;

namespace OmniChat.TelegramSandbox;

public static class Extensions
{
    /// <summary>Everything the sandbox needs: its options, its state, webhook delivery, problems for the control API.</summary>
    public static IHostApplicationBuilder AddSandboxServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<FloodControlOptions>().BindConfiguration(FloodControlOptions.Section)
            .Validate(o => o.PerBotPerSecond > 0 && o.PerChatPerSecond > 0 && o.PerGroupPerMinute > 0, "Sandbox:FloodControl rates must be positive")
            .ValidateOnStart();
        builder.Services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section)
            .Validate(o => o.WebhookRetryDelay > TimeSpan.Zero && o.WebhookMaxRetryDelay >= o.WebhookRetryDelay, "Sandbox:WebhookRetryDelay must be positive and at most Sandbox:WebhookMaxRetryDelay")
            .Validate(o => o.WebhookTimeout > TimeSpan.Zero && o.CallbackQueryTimeout > TimeSpan.Zero, "Sandbox:WebhookTimeout and Sandbox:CallbackQueryTimeout must be positive")
            .Validate(o => o.MaxPendingUpdates > 0 && o.MaxFileBytes > 0 && o.MaxFileBytesPerBot >= o.MaxFileBytes, "Sandbox limits must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new FloodControl(sp.GetRequiredService<IOptions<FloodControlOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<UpdateSignals>();
        builder.Services.AddSingleton<BotApiState>();
        builder.Services.AddHostedService<WebhookDelivery>();
        builder.Services.AddHttpClient(BotApiEndpoints.UrlFilesClient);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<SandboxProblemHandler>();
        return builder;
    }
}
