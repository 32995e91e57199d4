using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.TestKit;
using OmniChat.TestKit.Contract;

namespace OmniChat.Api.Tests;

/// <summary>
/// A tenant's Telegram channel (<c>/v2/channels/telegram</c>) against the sandbox standing in for Telegram, and the
/// inbound webhook it sets up (<c>POST /telegram/webhook/{channelId}</c>).
/// </summary>
public sealed class TelegramChannelsShould(ApiFixture api) : IDisposable
{
    private const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    private readonly HttpClient _sandbox = new() { BaseAddress = api.App.ServiceUrls[ResourceNames.TelegramSandbox] };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task ConnectEachSeededTenantThroughTheApiAndShowOnlyMaskedSecrets()
    {
        foreach (var tenant in new[] { api.DefaultTenant, api.DemoTenant })
        {
            var telegram = tenant.Telegram!;
            using var client = api.CreateClient(tenant.ApiKey);
            using var response = await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var channel = JsonDocument.Parse(text).RootElement;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(telegram.ChannelId, channel.GetProperty("channelId").GetGuid());
            Assert.Equal(telegram.BotId, channel.GetProperty("botId").GetInt64());
            Assert.Equal(telegram.SupportGroupId, channel.GetProperty("supportGroupId").GetInt64());
            Assert.Equal("active", channel.GetProperty("status").GetString());
            Assert.Equal($"{telegram.BotId}:…{telegram.BotToken[^3..]}", channel.GetProperty("tokenHint").GetString());
            Assert.Equal(telegram.WebhookUrl, channel.GetProperty("webhookUrl").GetString());
            Assert.DoesNotContain(telegram.BotToken, text, StringComparison.Ordinal);
            Assert.DoesNotContain(telegram.HeaderSecret, text, StringComparison.Ordinal);
            Assert.False(channel.TryGetProperty("webhookSecret", out _));

            var info = await BotApiAsync(telegram.BotToken, "getWebhookInfo");
            Assert.Equal(telegram.WebhookUrl, info.GetProperty("url").GetString());
        }
    }

    [Fact]
    public async Task RefuseWhatTelegramWouldRefuseAndStoreNothing()
    {
        var (tenantId, key) = await NewTenantAsync();
        using var client = api.CreateClient(key);
        var token = NewBotToken();
        var forum = await NewGroupAsync(token, isForum: true, botIsAdmin: true);
        var plainGroup = await NewGroupAsync(token, isForum: false, botIsAdmin: true);
        var notAdmin = await NewGroupAsync(token, isForum: true, botIsAdmin: false);

        using var missing = await client.PutAsJsonAsync("/v2/channels/telegram", new { }, Ct);
        using var badShape = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = "not-a-token", supportGroupId = forum }, Ct);
        using var positiveGroup = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = 42 }, Ct);
        using var unknownGroup = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = -1009999999999 }, Ct);
        using var notForum = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = plainGroup }, Ct);
        using var noRights = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = notAdmin }, Ct);

        await missing.AssertProblemAsync(400, "validation_failed");
        await badShape.AssertProblemAsync(400, "validation_failed");
        await positiveGroup.AssertProblemAsync(400, "validation_failed");
        await unknownGroup.AssertProblemAsync(400, "telegram_group_not_found");
        await notForum.AssertProblemAsync(400, "telegram_group_not_forum");
        await noRights.AssertProblemAsync(400, "telegram_bot_not_admin");
        foreach (var refused in new[] { missing, badShape, positiveGroup, unknownGroup, notForum, noRights })
        {
            Assert.DoesNotContain(token, await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM telegram_channels WHERE tenant_id = $1", tenantId));
    }

    [Fact]
    public async Task ConnectRotateAndDisconnectWithTheSecretShownOnceAndNeverAudited()
    {
        var (tenantId, key) = await NewTenantAsync();
        using var client = api.CreateClient(key);
        var token = NewBotToken();
        var group = await NewGroupAsync(token, isForum: true, botIsAdmin: true);

        using var connected = await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = group, silent = false }, Ct);
        var channel = await connected.JsonAsync();
        var firstSecret = channel.GetProperty("webhookSecret").GetString()!;
        var webhookUrl = new Uri(channel.GetProperty("webhookUrl").GetString()!);
        using var rotated = await client.PostAsync(new Uri("/v2/channels/telegram/rotate-secret", UriKind.Relative), null, Ct);
        var secondSecret = (await rotated.JsonAsync()).GetProperty("webhookSecret").GetString()!;
        var withOld = await PostUpdateAsync(webhookUrl, firstSecret, PrivateText(1, 501, "still accepted during the overlap"));
        var withNew = await PostUpdateAsync(webhookUrl, secondSecret, PrivateText(2, 501, "the new secret"));
        var audit = await (await client.GetAsync(new Uri($"/v2/audit/export?format=jsonl&from={DateTimeOffset.UtcNow.AddHours(-1):O}&to={DateTimeOffset.UtcNow.AddHours(1):O}".Replace("+", "%2B", StringComparison.Ordinal), UriKind.Relative), Ct)).Content.ReadAsStringAsync(Ct);
        var stored = await api.ScalarAsync<string>("SELECT protected_secrets FROM telegram_channels WHERE tenant_id = $1", tenantId);
        using var disconnected = await client.DeleteAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct);
        using var afterDisconnect = await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct);
        var refusedAfter = await PostUpdateAsync(webhookUrl, secondSecret, PrivateText(3, 501, "no channel any more"));
        var webhookAfter = await BotApiAsync(token, "getWebhookInfo");

        Assert.Equal(HttpStatusCode.OK, connected.StatusCode);
        Assert.False(channel.GetProperty("silent").GetBoolean());
        Assert.NotEqual(firstSecret, secondSecret);
        Assert.Equal(HttpStatusCode.OK, withOld);
        Assert.Equal(HttpStatusCode.OK, withNew);
        Assert.Contains("telegram_channel.connected", audit, StringComparison.Ordinal);
        Assert.Contains("telegram_channel.secret_rotated", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(token, audit, StringComparison.Ordinal);
        Assert.DoesNotContain(firstSecret, audit, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, disconnected.StatusCode);
        await afterDisconnect.AssertProblemAsync(404, "channel_not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAfter);
        Assert.Equal("", webhookAfter.GetProperty("url").GetString());
        Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(secondSecret, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowTheWebhookFailingWhenTelegramCannotDeliverToIt()
    {
        var (_, key) = await NewTenantAsync();
        using var client = api.CreateClient(key);
        var token = NewBotToken();
        var botId = token[..token.IndexOf(':', StringComparison.Ordinal)];
        var group = await NewGroupAsync(token, isForum: true, botIsAdmin: true);
        (await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = group }, Ct)).EnsureSuccessStatusCode();
        var healthy = await (await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();

        var webhookUrl = healthy.GetProperty("webhookUrl").GetString()!;

        // Pointed somewhere else behind our back (someone reused the token).
        (await _sandbox.GetAsync(new Uri($"/bot{token}/setWebhook?url=http://127.0.0.1:1/elsewhere", UriKind.Relative), Ct)).Dispose();
        var elsewhere = await (await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();
        // Our address, but a secret we do not know: every delivery is refused (401) and Telegram keeps the updates.
        (await _sandbox.GetAsync(new Uri($"/bot{token}/setWebhook?url={Uri.EscapeDataString(webhookUrl)}&secret_token=not_our_secret", UriKind.Relative), Ct))
            .Dispose();
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/chats/777/messages", new { fromUserId = 777, firstName = "Ada", text = "Hello?" }, Ct))
            .EnsureSuccessStatusCode();
        JsonElement refused = default;
        await Eventually.HoldsAsync(async () =>
        {
            refused = await (await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();
            return refused.GetProperty("status").GetString() == "webhook failing";
        }, "the channel shows Telegram's delivery error");
        // Connecting again sets our webhook with a fresh secret; Telegram delivers what it kept.
        (await client.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = group }, Ct)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(async () =>
            (await (await client.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync()).GetProperty("status").GetString() == "active",
            "the channel is active again once Telegram delivered");

        Assert.Equal("active", healthy.GetProperty("status").GetString());
        Assert.Equal("webhook failing", elsewhere.GetProperty("status").GetString());
        Assert.Contains("points somewhere else", elsewhere.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains("401", refused.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, refused.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreEachUpdateOnceAndRefuseAWrongOrMissingSecretBeforeReadingTheBody()
    {
        var telegram = api.DemoTenant.Telegram!;
        var url = new Uri(telegram.WebhookUrl);
        var updateId = Random.Shared.NextInt64(100_000_000, 900_000_000);
        var update = PrivateText(updateId, 777_001, "Hello from Telegram");

        var first = await PostUpdateAsync(url, telegram.HeaderSecret, update);
        var again = await PostUpdateAsync(url, telegram.HeaderSecret, update);
        var wrong = await PostUpdateAsync(url, telegram.HeaderSecret + "x", PrivateText(updateId + 1, 777_001, "forged"));
        var missing = await PostUpdateAsync(url, null, PrivateText(updateId + 2, 777_001, "no secret"));
        var otherTenantsSecret = await PostUpdateAsync(url, api.DefaultTenant.Telegram!.HeaderSecret, PrivateText(updateId + 3, 777_001, "wrong tenant"));
        var malformed = await PostRawAsync(url, telegram.HeaderSecret, "{\"update_id\": \"nope\"}");
        var notJson = await PostRawAsync(url, telegram.HeaderSecret, "<xml/>");
        var unknownKind = await PostUpdateAsync(url, telegram.HeaderSecret, new { update_id = updateId + 4, some_future_kind = new { id = 1 } });

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal(HttpStatusCode.Unauthorized, otherTenantsSecret);
        await malformed.AssertProblemAsync(400, "telegram_update_invalid");
        await notJson.AssertProblemAsync(400, "telegram_update_invalid");
        Assert.Equal(HttpStatusCode.OK, unknownKind);
        Assert.Equal(1L, await CountStoredAsync(telegram.BotId, updateId));
        Assert.Equal(0L, await CountStoredAsync(telegram.BotId, updateId + 1));
        Assert.Equal(0L, await CountStoredAsync(telegram.BotId, updateId + 2));
        Assert.Equal(0L, await CountStoredAsync(telegram.BotId, updateId + 3));
        Assert.Equal("message", await api.ScalarAsync<string>(
            "SELECT kind FROM inbound_updates WHERE bot_id = $1 AND update_id = $2", telegram.BotId, updateId));
        Assert.Equal(777_001L, await api.ScalarAsync<long>(
            "SELECT chat_id FROM inbound_updates WHERE bot_id = $1 AND update_id = $2", telegram.BotId, updateId));
        Assert.Equal("unknown", await api.ScalarAsync<string>(
            "SELECT kind FROM inbound_updates WHERE bot_id = $1 AND update_id = $2", telegram.BotId, updateId + 4));
        Assert.Equal(api.DemoTenant.Id, await api.ScalarAsync<Guid>(
            "SELECT tenant_id FROM inbound_updates WHERE bot_id = $1 AND update_id = $2", telegram.BotId, updateId));
    }

    [Fact]
    public async Task KeepEachTenantsChannelToItself()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var fallback = api.CreateClient(api.DefaultTenant.ApiKey);
        var withoutScope = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.ConversationsRead);
        using var reader = api.CreateClient(withoutScope);

        var demoChannel = await (await demo.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();
        var defaultChannel = await (await fallback.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();
        using var forbidden = await reader.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct);
        // The default tenant's key cannot take the demo tenant's bot: Telegram keeps one webhook per bot.
        using var taken = await fallback.PutAsJsonAsync("/v2/channels/telegram",
            new { botToken = api.DemoTenant.Telegram!.BotToken, supportGroupId = await NewGroupAsync(api.DemoTenant.Telegram.BotToken, true, true) }, Ct);
        var demoAfter = await (await demo.GetAsync(new Uri("/v2/channels/telegram", UriKind.Relative), Ct)).JsonAsync();
        var demoWebhook = await BotApiAsync(api.DemoTenant.Telegram.BotToken, "getWebhookInfo");

        Assert.Equal(api.DemoTenant.Telegram.ChannelId, demoChannel.GetProperty("channelId").GetGuid());
        Assert.Equal(api.DefaultTenant.Telegram!.ChannelId, defaultChannel.GetProperty("channelId").GetGuid());
        await forbidden.AssertProblemAsync(403, "scope_missing");
        await taken.AssertProblemAsync(409, "telegram_bot_in_use");
        Assert.Equal("active", demoAfter.GetProperty("status").GetString());
        Assert.Equal(api.DemoTenant.Telegram.BotId, demoAfter.GetProperty("botId").GetInt64());
        // Refused before the bot's webhook was touched: Telegram still delivers the demo bot's updates to the demo tenant.
        Assert.Equal(api.DemoTenant.Telegram.WebhookUrl, demoWebhook.GetProperty("url").GetString());
    }

    private async Task<long> CountStoredAsync(long botId, long updateId) =>
        await api.ScalarAsync<long>("SELECT count(*) FROM inbound_updates WHERE bot_id = $1 AND update_id = $2", botId, updateId);

    private static object PrivateText(long updateId, long userId, string text) => new
    {
        update_id = updateId,
        message = new
        {
            message_id = 10,
            from = new { id = userId, is_bot = false, first_name = "Ann", language_code = "en" },
            chat = new { id = userId, first_name = "Ann", type = "private" },
            date = 1_764_000_000,
            text,
        },
    };

    private async Task<HttpStatusCode> PostUpdateAsync(Uri url, string? secret, object update)
    {
        using var response = await PostRawAsync(url, secret, JsonSerializer.Serialize(update));
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> PostRawAsync(Uri url, string? secret, string body)
    {
        // Telegram's side of the webhook, held to the OpenAPI document like every other client of the Api.
        using var http = new HttpClient(new ContractValidatingHandler(api.Contract.GetAsync, new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (secret is not null)
        {
            request.Headers.Add(SecretHeader, secret);
        }
        var response = await http.SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }

    private async Task<JsonElement> BotApiAsync(string token, string method)
    {
        using var response = await _sandbox.GetAsync(new Uri($"/bot{token}/{method}", UriKind.Relative), Ct);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("result");
    }

    private async Task<long> NewGroupAsync(string token, bool isForum, bool botIsAdmin)
    {
        var botId = token[..token.IndexOf(':', StringComparison.Ordinal)];
        using var response = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups",
            new { title = "Support", isForum, botIsAdmin, canManageTopics = botIsAdmin }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chatId").GetInt64();
    }

    private static string NewBotToken() => string.Create(CultureInfo.InvariantCulture,
        $"{RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue)}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");

    private async Task<(Guid TenantId, string Key)> NewTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = $"tg-{id.ToString("N")[..12]}";
        await api.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Telegram test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t",
            id, identifier);
        return (id, await api.CreateApiKeyAsync(id, ApiScopes.ChannelsWrite, ApiScopes.AuditRead));
    }
}
