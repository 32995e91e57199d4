using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// <c>POST /telegram/webhook/{channelId}</c>: the channel id in the route names a channel, and only the secret Telegram
/// was given (<c>X-Telegram-Bot-Api-Secret-Token</c>, compared as SHA-256 in constant time) proves the request came from
/// Telegram. Nothing of the body is read before that. A request that proves it carries <see cref="TelegramWebhookPrincipal"/>.
/// </summary>
internal sealed class TelegramWebhookTenantStrategy(TimeProvider time) : ITenantStrategy
{
    public const string PathPrefix = "/telegram/webhook";
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http || !http.Request.Path.StartsWithSegments(PathPrefix, out var rest)
            || !Guid.TryParse(rest.Value.AsSpan().TrimStart('/'), out var channelId)
            || http.Request.Headers[SecretHeader] is not [{ } presented])
        {
            return null;
        }
        var webhook = await store.FindTelegramWebhookAsync(channelId, cancellationToken);
        if (webhook is null || !webhook.Accepts(presented, time.GetUtcNow()))
        {
            return null;
        }
        http.Features.Set(new TelegramWebhookPrincipal(webhook.ChannelId, webhook.BotId));
        return webhook.Tenant;
    }
}

/// <summary>A webhook request that presented its channel's secret.</summary>
internal sealed record TelegramWebhookPrincipal(Guid ChannelId, long BotId);
