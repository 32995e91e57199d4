using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>What a Telegram channel keeps secret: the bot token and the webhook secret.</summary>
public sealed record TelegramChannelSecret(string BotToken, string WebhookSecret)
{
    // Secrets: never printed by accident.
    public override string ToString() => "TelegramChannelSecret { … }";
}

/// <summary>
/// Protects a channel's secrets with ASP.NET Core Data Protection under a purpose per tenant, so a blob copied into
/// another tenant's row cannot be opened there, and hashes webhook secrets for the inbound check.
/// </summary>
public sealed class TelegramChannelSecrets(IDataProtectionProvider provider)
{
    private const string Purpose = "OmniChat.Channels.Telegram.v1";

    public string Protect(Guid tenantId, TelegramChannelSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return ProtectorFor(tenantId).Protect(JsonSerializer.Serialize(new Stored(secret.BotToken, secret.WebhookSecret), StoredJson.Options));
    }

    public TelegramChannelSecret Unprotect(Guid tenantId, string protectedSecrets)
    {
        var stored = JsonSerializer.Deserialize<Stored>(ProtectorFor(tenantId).Unprotect(protectedSecrets), StoredJson.Options)
            ?? throw new CryptographicException("The channel's secrets are empty.");
        return new TelegramChannelSecret(stored.BotToken, stored.WebhookSecret);
    }

    /// <summary>A new webhook secret: 48 characters of Telegram's allowed alphabet (<c>A-Z a-z 0-9 _ -</c>).</summary>
    public static string NewWebhookSecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 48);

    /// <summary>SHA-256 of a webhook secret as Telegram sends it.</summary>
    public static byte[] HashWebhookSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>A bot token masked for people: its bot id and the last three characters (<c>123456:…XYZ</c>).</summary>
    public static string Hint(string botToken)
    {
        ArgumentNullException.ThrowIfNull(botToken);
        var colon = botToken.IndexOf(':', StringComparison.Ordinal);
        var id = colon > 0 ? botToken[..colon] : "?";
        return botToken.Length - colon > 6 ? $"{id}:…{botToken[^3..]}" : $"{id}:…";
    }

    private IDataProtector ProtectorFor(Guid tenantId) => provider.CreateProtector(Purpose, tenantId.ToString("N"));

    private sealed record Stored(string BotToken, string WebhookSecret);

    private static class StoredJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
