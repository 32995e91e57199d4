using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Errors;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// Where Telegram delivers a tenant bot's updates (<c>setWebhook</c> points here with the channel's secret). The secret
/// is checked before anything else (<see cref="TelegramWebhookTenantStrategy"/>): without it, 401 and nothing but a
/// counter. A valid update is stored once per <c>(bot, update_id)</c> and answered 200 at once; a body that is not an
/// update is 400 and stored nowhere. Processing happens in the Workers.
/// </summary>
internal static class TelegramWebhookEndpoints
{
    /// <summary>Largest update accepted (Telegram's are a few KB; the Api's global cap is 64 KB).</summary>
    public const int MaxUpdateBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapTelegramWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost($"{TelegramWebhookTenantStrategy.PathPrefix}/{{channelId:guid}}", Receive)
            .WithTags("Telegram").WithName("TelegramWebhook")
            .WithSummary("Telegram's update delivery for a connected channel (called by Telegram, authenticated by X-Telegram-Bot-Api-Secret-Token).")
            .Accepts<object>("application/json")
            .WithCredential(Credential.TelegramWebhookSecret).Problems(ProblemCodes.TelegramUpdateInvalid, ProblemCodes.PayloadTooLarge)
            // A suspended tenant's updates are still stored (the Workers answer with its offline text), none is lost.
            .ServesSuspendedTenants();
        return app;
    }

    internal static async Task<Results<Ok, ProblemHttpResult>> Receive(Guid channelId, HttpContext http, TelegramInbox inbox,
        CancellationToken cancellationToken)
    {
        if (http.Features.Get<TelegramWebhookPrincipal>() is not { } webhook || webhook.ChannelId != channelId)
        {
            TelegramMetrics.WebhookRequestRejected();
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The webhook secret is missing or wrong.",
                extensions: new Dictionary<string, object?> { ["code"] = "telegram_secret_invalid" });
        }
        var body = await RawBody.ReadAsync(http.Request, MaxUpdateBytes, cancellationToken);
        var update = ReceivedTelegramUpdate.Parse(body.Span, out var problem)
            ?? throw new DomainException(400, "telegram_update_invalid", problem ?? "The body is not a Telegram update.");
        await inbox.StoreAsync(webhook.ChannelId, webhook.BotId, update, cancellationToken);
        return TypedResults.Ok();
    }
}
