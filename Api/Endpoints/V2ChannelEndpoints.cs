using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>
/// The tenant's Telegram channel (scope <c>channels:write</c>): its bot and forum support group. Secrets are write-only:
/// the bot token is shown back as a hint, the webhook secret once, when it is made (docs/telegram.md).
/// </summary>
internal static class V2ChannelEndpoints
{
    public static IEndpointRouteBuilder MapV2ChannelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/channels/telegram").WithTags("v2 channels").RequireScope(ApiScopes.ChannelsWrite);
        group.MapPut("/", Connect).WithName("V2ConnectTelegram")
            .WithSummary("Connect (or reconnect) the tenant's Telegram bot and forum support group; validates both with Telegram and sets the webhook.")
            .Problems(ProblemCodes.TelegramTokenInvalid, ProblemCodes.TelegramGroupNotFound, ProblemCodes.TelegramGroupNotForum,
                ProblemCodes.TelegramBotNotAdmin, ProblemCodes.TelegramRejected, ProblemCodes.TelegramBotInUse, ProblemCodes.TelegramUnavailable,
                ProblemCodes.TelegramNotConfigured);
        group.MapGet("/", Get).WithName("V2GetTelegram").WithSummary("The connected Telegram channel: masked token, group, status and last error.")
            .Problems(ProblemCodes.ChannelNotFound, ProblemCodes.TelegramNotConfigured);
        group.MapPost("/rotate-secret", RotateSecret).WithName("V2RotateTelegramSecret")
            .WithSummary("A new webhook secret (shown once); the old one is still accepted for a few minutes.")
            .Problems(ProblemCodes.ChannelNotFound, ProblemCodes.TelegramNotConfigured, ProblemCodes.TelegramRejected, ProblemCodes.TelegramUnavailable);
        group.MapDelete("/", Disconnect).WithName("V2DisconnectTelegram").WithSummary("Disconnect the channel and remove the bot's webhook.")
            .Problems(ProblemCodes.ChannelNotFound);
        return app;
    }

    internal static async Task<Ok<ConnectedTelegramChannelResponse>> Connect(ConnectTelegramRequest? request, HttpContext http,
        TelegramChannelConnector connector, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request?.BotToken))
        {
            errors["botToken"] = ["Required: the bot token from @BotFather."];
        }
        if (request?.SupportGroupId is null)
        {
            errors["supportGroupId"] = ["Required: the chat id of the forum supergroup (-100…)."];
        }
        ValidationException.ThrowIfAny(errors);
        var connected = await connector.ConnectAsync(new TelegramConnection(request!.BotToken!, request.SupportGroupId!.Value, request.Silent ?? true),
            AuditActors.From(http), cancellationToken);
        return TypedResults.Ok(ConnectedTelegramChannelResponse.From(connected));
    }

    internal static async Task<Ok<TelegramChannelResponse>> Get(TelegramChannelConnector connector, CancellationToken cancellationToken) =>
        TypedResults.Ok(TelegramChannelResponse.From(await connector.GetAsync(cancellationToken)));

    internal static async Task<Ok<ConnectedTelegramChannelResponse>> RotateSecret(HttpContext http, TelegramChannelConnector connector,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(ConnectedTelegramChannelResponse.From(await connector.RotateSecretAsync(AuditActors.From(http), cancellationToken)));

    internal static async Task<NoContent> Disconnect(HttpContext http, TelegramChannelConnector connector, CancellationToken cancellationToken)
    {
        await connector.DisconnectAsync(AuditActors.From(http), cancellationToken);
        return TypedResults.NoContent();
    }
}

/// <summary>Connects Telegram: the bot's token, the forum supergroup's chat id, and whether visitor messages post silently.</summary>
internal sealed record ConnectTelegramRequest([property: Required] string? BotToken, [property: Required] long? SupportGroupId, bool? Silent)
{
    public override string ToString() => $"ConnectTelegramRequest {{ SupportGroupId = {SupportGroupId}, Silent = {Silent} }}";
}

/// <summary>
/// A tenant's Telegram channel. <c>status</c> is <c>active</c>, <c>inactive: &lt;reason&gt;</c> or <c>webhook failing</c>;
/// the token appears only as <c>tokenHint</c>.
/// </summary>
internal sealed record TelegramChannelResponse(Guid ChannelId, long BotId, string BotUsername, string TokenHint, long SupportGroupId,
    string SupportGroupTitle, bool Silent, string Status, string? LastError, DateTimeOffset? LastErrorAt, Uri WebhookUrl,
    DateTimeOffset ConnectedAt, DateTimeOffset UpdatedAt)
{
    public static TelegramChannelResponse From(ConnectedTelegramChannel connected)
    {
        var c = connected.Channel;
        return connected.WebhookProblem is { } problem
            ? new(c.Id, c.BotId, c.BotUsername, c.TokenHint, c.SupportGroupId, c.SupportGroupTitle, c.Silent, "webhook failing", problem.Error,
                problem.At, connected.WebhookUrl, c.ConnectedAt, c.UpdatedAt)
            : new(c.Id, c.BotId, c.BotUsername, c.TokenHint, c.SupportGroupId, c.SupportGroupTitle, c.Silent, StatusText(c), c.LastError,
                c.LastErrorAt, connected.WebhookUrl, c.ConnectedAt, c.UpdatedAt);
    }

    internal static string StatusText(TelegramChannel channel) => channel.Status switch
    {
        TelegramChannelStatus.Active => "active",
        TelegramChannelStatus.Inactive => $"inactive: {channel.StatusReason ?? "unknown"}",
        _ => "webhook failing",
    };
}

/// <summary>The channel right after connecting or rotating, with its new webhook secret: shown this once, never again.</summary>
internal sealed record ConnectedTelegramChannelResponse(Guid ChannelId, long BotId, string BotUsername, string TokenHint, long SupportGroupId,
    string SupportGroupTitle, bool Silent, string Status, Uri WebhookUrl, string WebhookSecret, DateTimeOffset ConnectedAt, DateTimeOffset UpdatedAt)
{
    public static ConnectedTelegramChannelResponse From(ConnectedTelegramChannel connected)
    {
        var c = connected.Channel;
        return new(c.Id, c.BotId, c.BotUsername, c.TokenHint, c.SupportGroupId, c.SupportGroupTitle, c.Silent, TelegramChannelResponse.StatusText(c),
            connected.WebhookUrl, connected.WebhookSecret ?? throw new InvalidOperationException("A new webhook secret is expected here."),
            c.ConnectedAt, c.UpdatedAt);
    }

    public override string ToString() => $"ConnectedTelegramChannelResponse {{ ChannelId = {ChannelId}, BotId = {BotId} }}";
}
