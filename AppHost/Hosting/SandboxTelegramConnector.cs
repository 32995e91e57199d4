using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Sets up a seeded tenant's Telegram channel in the sandbox the way a tenant would with real Telegram: a bot (its token
/// kept in the AppHost's secrets, so it survives restarts), a forum supergroup where the bot is an administrator that can
/// manage topics, then <c>PUT /v2/channels/telegram</c> on the Api with the tenant's API key.
/// </summary>
internal sealed class SandboxTelegramConnector(Uri api, Uri sandbox)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<CredentialTelegram> ConnectAsync(CredentialTenant tenant, TenantSecrets secrets, CancellationToken cancellationToken)
    {
        secrets.TelegramBotToken ??= NewBotToken();
        var botId = long.Parse(secrets.TelegramBotToken.AsSpan(0, secrets.TelegramBotToken.IndexOf(':', StringComparison.Ordinal)),
            CultureInfo.InvariantCulture);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var group = await http.PostAsJsonAsync(new Uri(sandbox, $"/sandbox/bots/{botId}/groups"),
            new { title = $"{tenant.Name} support", isForum = true, botIsAdmin = true, canManageTopics = true }, Json, cancellationToken);
        await EnsureSuccessAsync(group, "create the sandbox support group", cancellationToken);
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken)).GetProperty("chatId").GetInt64();

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(api, "/v2/channels/telegram"))
        {
            Content = JsonContent.Create(new { botToken = secrets.TelegramBotToken, supportGroupId = groupId, silent = true }, options: Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var connected = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(connected, $"connect Telegram for tenant '{tenant.Identifier}'", cancellationToken);
        var channel = await connected.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
        return new CredentialTelegram(
            channel.GetProperty("channelId").GetGuid(),
            botId,
            secrets.TelegramBotToken,
            groupId,
            channel.GetProperty("webhookUrl").GetString()!,
            channel.GetProperty("webhookSecret").GetString()!);
    }

    // Telegram's shape: the bot's numeric id, a colon, 35 characters.
    private static string NewBotToken() => string.Create(CultureInfo.InvariantCulture,
        $"{RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue)}:AA{RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 33)}");

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"Could not {what}: {(int)response.StatusCode} {body}");
        }
    }
}
