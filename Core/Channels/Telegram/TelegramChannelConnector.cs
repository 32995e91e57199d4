using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>What a tenant gives to connect Telegram (<c>PUT /v2/channels/telegram</c>).</summary>
public sealed record TelegramConnection(string BotToken, long SupportGroupId, bool Silent = true)
{
    public override string ToString() => $"TelegramConnection {{ SupportGroupId = {SupportGroupId}, Silent = {Silent} }}";
}

/// <summary>A connected channel and, right after connecting or rotating, its new webhook secret (shown once).</summary>
public sealed record ConnectedTelegramChannel(TelegramChannel Channel, Uri WebhookUrl, string? WebhookSecret)
{
    /// <summary>What Telegram says about delivering updates to the webhook, when it fails (read live, never stored).</summary>
    public TelegramWebhookProblem? WebhookProblem { get; init; }
}

/// <summary>Telegram cannot deliver the bot's updates: its last error and when it happened.</summary>
public sealed record TelegramWebhookProblem(string Error, DateTimeOffset? At);

/// <summary>
/// Connects, inspects, re-keys and disconnects a tenant's Telegram channel. Connecting checks everything Telegram can
/// tell before anything is stored: the token (<c>getMe</c>), the group (<c>getChat</c>: a forum supergroup) and the bot's
/// rights there (<c>getChatMember</c>: an administrator that can manage topics), then points the bot's webhook at
/// <c>{PublicBaseUrl}/telegram/webhook/{channelId}</c> with a fresh secret. No database transaction is open during a
/// Telegram call. The token is stored only protected (<see cref="TelegramChannelSecrets"/>) and never logged.
/// </summary>
public sealed partial class TelegramChannelConnector(OmniChatDbContext db, TelegramChannelSecrets secrets, TelegramSetupClient telegram,
    IOptions<TelegramOptions> options, TimeProvider time, ILogger<TelegramChannelConnector> logger)
{
    /// <summary>The updates OmniChat asks Telegram for (<c>chat_member</c> is only sent when asked for).</summary>
    public static readonly UpdateType[] AllowedUpdates =
        [UpdateType.Message, UpdateType.EditedMessage, UpdateType.CallbackQuery, UpdateType.MyChatMember, UpdateType.ChatMember];

    public async Task<ConnectedTelegramChannel> ConnectAsync(TelegramConnection connection, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var tenantId = db.CurrentTenantId;
        var errors = new Dictionary<string, string[]>();
        if (!TelegramBotToken.IsWellFormed(connection.BotToken))
        {
            errors["botToken"] = ["A bot token from @BotFather: <bot id>:<secret>."];
        }
        if (connection.SupportGroupId >= 0)
        {
            errors["supportGroupId"] = ["The support group's chat id: a supergroup's id is negative (-100…)."];
        }
        ValidationException.ThrowIfAny(errors);
        var publicBaseUrl = PublicBaseUrl();

        var bot = new TelegramBot(tenantId, connection.BotToken.Trim());
        var existing = await db.TelegramChannels.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        var channelId = existing?.Id ?? Guid.CreateVersion7(time.GetUtcNow());

        var me = await telegram.CallAsync(bot, "getMe", (client, ct) => client.GetMe(ct), cancellationToken);
        var group = await telegram.CallAsync(bot, "getChat", (client, ct) => client.GetChat(connection.SupportGroupId, ct), cancellationToken,
            notFound: () => new DomainException(400, "telegram_group_not_found",
                "Telegram does not know this support group, or the bot is not a member of it."));
        if (group.Type != ChatType.Supergroup || !group.IsForum)
        {
            throw new DomainException(400, "telegram_group_not_forum",
                "The support group must be a supergroup with Topics turned on (group settings → Topics).");
        }
        var member = await telegram.CallAsync(bot, "getChatMember", (client, ct) => client.GetChatMember(connection.SupportGroupId, me.Id, ct),
            cancellationToken);
        if (member is not ChatMemberAdministrator { CanManageTopics: true } and not ChatMemberOwner)
        {
            throw new DomainException(400, "telegram_bot_not_admin",
                "Make the bot an administrator of the support group with the right to manage topics.");
        }

        // Before anything points the bot's webhook here: another tenant's bot stays theirs (the unique index guards a race).
        if (await db.Database.SqlQuery<bool>($"SELECT telegram_bot_connected_elsewhere({me.Id}) AS \"Value\"").SingleAsync(cancellationToken))
        {
            throw BotInUse();
        }

        var webhookSecret = TelegramChannelSecrets.NewWebhookSecret();
        var webhookUrl = WebhookUrl(publicBaseUrl, channelId);
        await telegram.CallAsync(bot, "setWebhook", async (client, ct) =>
        {
            await client.SetWebhook(webhookUrl.ToString(), allowedUpdates: AllowedUpdates, secretToken: webhookSecret, cancellationToken: ct);
            return true;
        }, cancellationToken);

        var now = time.GetUtcNow();
        var channel = existing is null ? null : await db.TelegramChannels.SingleAsync(c => c.Id == existing.Id, cancellationToken);
        var previousBotToken = channel is null ? null : SafeUnprotect(channel)?.BotToken;
        if (channel is null)
        {
            channel = new TelegramChannel
            {
                Id = channelId,
                BotUsername = "",
                SupportGroupTitle = "",
                ProtectedSecrets = "",
                TokenHint = "",
                WebhookSecretHash = [],
                ConnectedAt = now,
            };
            db.TelegramChannels.Add(channel);
        }
        channel.BotId = me.Id;
        channel.BotUsername = me.Username ?? "";
        channel.SupportGroupId = group.Id;
        channel.SupportGroupTitle = group.Title ?? "";
        channel.Silent = connection.Silent;
        channel.ProtectedSecrets = secrets.Protect(tenantId, new TelegramChannelSecret(bot.Token, webhookSecret));
        channel.TokenHint = TelegramChannelSecrets.Hint(bot.Token);
        channel.WebhookSecretHash = TelegramChannelSecrets.HashWebhookSecret(webhookSecret);
        channel.PreviousWebhookSecretHash = null;
        channel.PreviousWebhookSecretValidUntil = null;
        channel.Status = TelegramChannelStatus.Active;
        channel.StatusReason = null;
        channel.LastError = null;
        channel.LastErrorAt = null;
        channel.UpdatedAt = now;
        db.AuditEntries.Add(AuditEntry.Create(actor, existing is null ? "telegram_channel.connected" : "telegram_channel.reconnected",
            "telegram_channel", channel.Id.ToString(), now,
            new Dictionary<string, object?> { ["botId"] = me.Id, ["supportGroupId"] = group.Id, ["silent"] = connection.Silent }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            throw BotInUse();
        }
        LogConnected(logger, tenantId, me.Id, group.Id);

        // A different bot than before: its old webhook would keep pointing here. Best effort, after the commit.
        if (previousBotToken is not null && previousBotToken != bot.Token)
        {
            await telegram.TryDeleteWebhookAsync(new TelegramBot(tenantId, previousBotToken), cancellationToken);
        }
        return new ConnectedTelegramChannel(channel, webhookUrl, webhookSecret);
    }

    private static ConflictException BotInUse() =>
        new("telegram_bot_in_use", "This bot is already connected to another OmniChat workspace. Disconnect it there first.");

    /// <summary>
    /// The channel, and for an active one what Telegram says about its webhook right now (<c>getWebhookInfo</c>, best
    /// effort within a few seconds): pointing elsewhere, or updates waiting after a recent delivery error, is
    /// <c>webhook failing</c>. Only inbound is affected, so nothing is stored and outbound deliveries go on.
    /// </summary>
    public async Task<ConnectedTelegramChannel> GetAsync(CancellationToken cancellationToken)
    {
        var channel = await FindAsync(tracked: false, cancellationToken);
        var webhookUrl = WebhookUrl(PublicBaseUrl(), channel.Id);
        var connected = new ConnectedTelegramChannel(channel, webhookUrl, null);
        if (channel.Status != TelegramChannelStatus.Active || SafeUnprotect(channel) is not { } secret)
        {
            return connected;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var info = await telegram.CallAsync(new TelegramBot(channel.TenantId, secret.BotToken), "getWebhookInfo",
                (client, ct) => client.GetWebhookInfo(ct), timeout.Token);
            var problem = WebhookProblemOf(info, webhookUrl, time.GetUtcNow());
            return problem is null ? connected : connected with { WebhookProblem = problem };
        }
        catch (DomainException)
        {
            // Telegram not answering (or refusing the token) right now says nothing about the webhook; the stored state stands.
            return connected;
        }
    }

    internal static TelegramWebhookProblem? WebhookProblemOf(global::Telegram.Bot.Types.WebhookInfo info, Uri expected, DateTimeOffset now)
    {
        if (!string.Equals(info.Url, expected.ToString(), StringComparison.Ordinal))
        {
            return new TelegramWebhookProblem(string.IsNullOrEmpty(info.Url)
                ? "The bot has no webhook: Telegram delivers its updates nowhere. Connect the channel again."
                : "The bot's webhook points somewhere else. Connect the channel again.", null);
        }
        if (info.LastErrorDate is { } at && info.PendingUpdateCount > 0 && now - new DateTimeOffset(at, TimeSpan.Zero) < TimeSpan.FromHours(1))
        {
            return new TelegramWebhookProblem($"Telegram cannot deliver updates ({info.PendingUpdateCount} waiting): {info.LastErrorMessage}",
                new DateTimeOffset(at, TimeSpan.Zero));
        }
        return null;
    }

    /// <summary>
    /// A new webhook secret: stored first (the old one stays accepted for <see cref="TelegramOptions.WebhookSecretOverlap"/>,
    /// covering updates Telegram had queued), then given to Telegram.
    /// </summary>
    public async Task<ConnectedTelegramChannel> RotateSecretAsync(AuditActor actor, CancellationToken cancellationToken)
    {
        var channel = await FindAsync(tracked: true, cancellationToken);
        var secret = secrets.Unprotect(channel.TenantId, channel.ProtectedSecrets);
        var webhookSecret = TelegramChannelSecrets.NewWebhookSecret();
        var now = time.GetUtcNow();
        channel.PreviousWebhookSecretHash = channel.WebhookSecretHash;
        channel.PreviousWebhookSecretValidUntil = now + options.Value.WebhookSecretOverlap;
        channel.WebhookSecretHash = TelegramChannelSecrets.HashWebhookSecret(webhookSecret);
        channel.ProtectedSecrets = secrets.Protect(channel.TenantId, secret with { WebhookSecret = webhookSecret });
        channel.UpdatedAt = now;
        db.AuditEntries.Add(AuditEntry.Create(actor, "telegram_channel.secret_rotated", "telegram_channel", channel.Id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);

        var webhookUrl = WebhookUrl(PublicBaseUrl(), channel.Id);
        var bot = new TelegramBot(channel.TenantId, secret.BotToken);
        await telegram.CallAsync(bot, "setWebhook", async (client, ct) =>
        {
            await client.SetWebhook(webhookUrl.ToString(), allowedUpdates: AllowedUpdates, secretToken: webhookSecret, cancellationToken: ct);
            return true;
        }, cancellationToken);
        return new ConnectedTelegramChannel(channel, webhookUrl, webhookSecret);
    }

    /// <summary>Removes the channel; then tells Telegram to stop delivering (best effort: a revoked token cannot).</summary>
    public async Task DisconnectAsync(AuditActor actor, CancellationToken cancellationToken)
    {
        var channel = await FindAsync(tracked: true, cancellationToken);
        var secret = SafeUnprotect(channel);
        var now = time.GetUtcNow();
        db.TelegramChannels.Remove(channel);
        db.AuditEntries.Add(AuditEntry.Create(actor, "telegram_channel.disconnected", "telegram_channel", channel.Id.ToString(), now,
            new Dictionary<string, object?> { ["botId"] = channel.BotId }));
        await db.SaveChangesAsync(cancellationToken);
        if (secret is not null)
        {
            await telegram.TryDeleteWebhookAsync(new TelegramBot(channel.TenantId, secret.BotToken), cancellationToken);
        }
    }

    private async Task<TelegramChannel> FindAsync(bool tracked, CancellationToken cancellationToken)
    {
        var query = tracked ? db.TelegramChannels : db.TelegramChannels.AsNoTracking();
        return await query.SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("channel_not_found", "No Telegram channel is connected; connect one with PUT /v2/channels/telegram.");
    }

    private TelegramChannelSecret? SafeUnprotect(TelegramChannel channel)
    {
        try
        {
            return secrets.Unprotect(channel.TenantId, channel.ProtectedSecrets);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            LogUnreadable(logger, channel.TenantId, channel.Id, ex.Message);
            return null;
        }
    }

    private Uri PublicBaseUrl() => options.Value.PublicBaseUrl
        ?? throw new DomainException(503, "telegram_not_configured",
            "This OmniChat installation has no public URL for Telegram webhooks (Telegram__PublicBaseUrl).");

    /// <summary>Where Telegram posts a channel's updates.</summary>
    public static Uri WebhookUrl(Uri publicBaseUrl, Guid channelId)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{publicBaseUrl.ToString().TrimEnd('/')}/telegram/webhook/{channelId}"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram channel connected for tenant {TenantId}: bot {BotId}, support group {GroupId}")]
    private static partial void LogConnected(ILogger logger, Guid tenantId, long botId, long groupId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The secrets of Telegram channel {ChannelId} (tenant {TenantId}) cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, Guid tenantId, Guid channelId, string reason);
}
