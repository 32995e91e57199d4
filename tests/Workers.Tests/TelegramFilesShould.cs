using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Workers.Tests;

/// <summary>
/// Files cross between the widget and the support group, against the sandbox: a visitor's uploads appear in the topic
/// after the text (an image as a photo, anything else as a document, each once), and a photo an agent posts in a claimed
/// topic reaches the visitor as an attachment with the same bytes, stored once even when the update is handled again.
/// </summary>
public sealed class TelegramFilesShould(WorkersFixture workers) : IAsyncLifetime
{
    private const long Agent = 990_101;

    // A real 1×1 PNG: the sandbox, like Telegram, reads a photo's dimensions.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private readonly HttpClient _sandbox = new() { BaseAddress = workers.App.ServiceUrls[ResourceNames.TelegramSandbox] };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _sandbox.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task PostAVisitorsImageAsAPhotoAndAPdfAsADocumentIntoTheTopicOnceEach()
    {
        var tenant = await ConnectedTenantAsync();
        using var agent = ApiClient(tenant.ApiKey);
        var (id, token) = await StartAsync(agent, "Fay");
        using var visitor = ApiClient(token);
        var png = await UploadAsync(visitor, Png, "screenshot.png", "image/png");
        var pdf = await UploadAsync(visitor, Pdf, "invoice.pdf", "application/pdf");

        using var sent = await visitor.PostAsJsonAsync($"/v2/widget/conversations/{id}/messages",
            new { text = "Here is my invoice", attachmentIds = new[] { png, pdf } }, Ct);
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync(Ct));

        var thread = await ThreadAsync(tenant, id, "Fay");
        var inTopic = await MessagesInAsync(tenant, thread, ms => ms.Any(m => m.TryGetProperty("document", out var d) && d.ValueKind == JsonValueKind.Object)
                                                                && ms.Any(m => m.TryGetProperty("photo", out var p) && p.ValueKind == JsonValueKind.Object));
        // Count only once no delivery of the conversation can post anymore (none pending): a double post would be in by then.
        await Eventually.HoldsAsync(async () => await workers.ScalarAsync<long>(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'Pending'", tenant.TenantId, id) == 0,
            "every delivery of the conversation is done");
        inTopic = await MessagesInAsync(tenant, thread, _ => true);

        var text = Assert.Single(inTopic, m => Text(m) == "Here is my invoice");
        var photo = Assert.Single(inTopic, m => m.TryGetProperty("photo", out var p) && p.ValueKind == JsonValueKind.Object);
        var document = Assert.Single(inTopic, m => m.TryGetProperty("document", out var d) && d.ValueKind == JsonValueKind.Object);
        Assert.True(text.GetProperty("messageId").GetInt32() < photo.GetProperty("messageId").GetInt32());
        Assert.True(photo.GetProperty("messageId").GetInt32() < document.GetProperty("messageId").GetInt32());
        Assert.True(photo.GetProperty("fromBot").GetBoolean());
        Assert.True(photo.GetProperty("silent").GetBoolean());
        Assert.True(document.GetProperty("silent").GetBoolean());
        Assert.Equal("invoice.pdf", document.GetProperty("document").GetProperty("fileName").GetString());
        Assert.Equal(Png, await SandboxFileAsync(tenant, photo.GetProperty("photo").GetProperty("fileId").GetString()!));
        Assert.Equal(Pdf, await SandboxFileAsync(tenant, document.GetProperty("document").GetProperty("fileId").GetString()!));
        Assert.Equal(3L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'Sent' AND message_id IS NOT NULL",
            tenant.TenantId, id));
    }

    [Fact]
    public async Task BringAnAgentsPhotoInAClaimedTopicToTheVisitorAsAnAttachmentStoredOnce()
    {
        var tenant = await ConnectedTenantAsync();
        using var agent = ApiClient(tenant.ApiKey);
        var (id, _) = await StartAsync(agent, "Gus");
        var thread = await ThreadAsync(tenant, id, "Gus");
        await ProcessedAsync(tenant, (await WriteAsync(tenant, new { fromUserId = Agent, firstName = "Ada", text = "/claim", threadId = thread })).UpdateId);

        var (updateId, _) = await WriteAsync(tenant, new
        {
            fromUserId = Agent, firstName = "Ada", threadId = thread,
            photo = new { fileName = "label.png", contentBase64 = Convert.ToBase64String(Png), mimeType = "image/png" },
        });
        await ProcessedAsync(tenant, updateId);
        // The inbox may run an update again: handled twice, the file is still one attachment on one message.
        await workers.ScalarAsync<int>(
            "WITH r AS (UPDATE inbound_updates SET processed_at = NULL, attempts = 0, next_attempt_at = now(), leased_until = NULL " +
            "WHERE tenant_id = $1 AND update_id = $2 RETURNING 1) SELECT count(*)::int FROM r", tenant.TenantId, updateId);
        await ProcessedAsync(tenant, updateId);

        var listed = await agent.GetFromJsonAsync<JsonElement>($"/v2/conversations/{id}/messages", Ct);
        var reply = Assert.Single(listed.GetProperty("messages").EnumerateArray(), m => m.GetProperty("direction").GetString() == "OUTBOUND");
        var attachment = Assert.Single(reply.GetProperty("attachments").EnumerateArray());
        var attachmentId = attachment.GetProperty("id").GetGuid();
        var link = await agent.GetFromJsonAsync<JsonElement>($"/v2/conversations/{id}/attachments/{attachmentId}", Ct);
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(new Uri(workers.App.ServiceUrls[ResourceNames.Api], link.GetProperty("url").GetString()!), Ct);

        Assert.Equal(Png, bytes);
        Assert.Equal("image/png", attachment.GetProperty("contentType").GetString());
        // Telegram gives a photo no file name (and makes it a JPEG; the sandbox keeps the PNG): the type is what was sniffed.
        Assert.Equal("photo.jpg", attachment.GetProperty("name").GetString());
        Assert.Equal(1L, await workers.ScalarAsync<long>(
            "SELECT count(*) FROM attachments WHERE tenant_id = $1 AND conversation_id = $2 AND uploader = 'agent' AND message_id IS NOT NULL",
            tenant.TenantId, id));
    }

    private static string Text(JsonElement message) =>
        message.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";

    private async Task<(long UpdateId, int MessageId)> WriteAsync(ConnectedTenant tenant, object request)
    {
        using var response = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/messages", request, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var action = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (action.GetProperty("updateId").GetInt64(), action.GetProperty("message").GetProperty("messageId").GetInt32());
    }

    private Task ProcessedAsync(ConnectedTenant tenant, long updateId) =>
        Eventually.HoldsAsync(async () => await workers.ScalarAsync<long>(
            "SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND processed_at IS NOT NULL", tenant.TenantId, updateId) == 1,
            $"update {updateId} of bot {tenant.BotId} is processed");

    private async Task<byte[]> SandboxFileAsync(ConnectedTenant tenant, string fileId) =>
        await _sandbox.GetByteArrayAsync(new Uri($"/sandbox/bots/{tenant.BotId}/files/{fileId}", UriKind.Relative), Ct);

    private static async Task<(Guid Id, string Token)> StartAsync(HttpClient agent, string name)
    {
        using var started = await agent.PostAsJsonAsync("/v2/conversations", new { name }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (body.GetProperty("conversation").GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    private static async Task<Guid> UploadAsync(HttpClient visitor, byte[] bytes, string fileName, string contentType)
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var content = new MultipartFormDataContent { { part, "file", fileName } };
        using var response = await visitor.PostAsync(new Uri("/v2/widget/attachments", UriKind.Relative), content, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private async Task<int> ThreadAsync(ConnectedTenant tenant, Guid conversationId, string name)
    {
        var title = $"#{conversationId.ToString("N")[^6..]} {name}";
        var thread = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var topics = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/topics", Ct);
            thread = topics.EnumerateArray().Where(t => t.GetProperty("name").GetString() == title).Select(t => t.GetProperty("threadId").GetInt32())
                .FirstOrDefault();
            return thread != 0;
        }, $"the topic {title} is open");
        // The card is posted once the topic is recorded: the topic is the conversation's from then on.
        await MessagesInAsync(tenant, thread, ms => ms.Any(m => m.GetProperty("fromBot").GetBoolean() && Text(m).StartsWith(title, StringComparison.Ordinal)));
        return thread;
    }

    private async Task<List<JsonElement>> MessagesInAsync(ConnectedTenant tenant, int thread, Func<List<JsonElement>, bool> until)
    {
        List<JsonElement> inThread = [];
        await Eventually.HoldsAsync(async () =>
        {
            var messages = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/messages", Ct);
            inThread = [.. messages.EnumerateArray().Where(m => m.TryGetProperty("threadId", out var t) && t.ValueKind == JsonValueKind.Number
                                                                  && t.GetInt32() == thread).Select(m => m.Clone())];
            return until(inThread);
        }, $"the topic {thread} of bot {tenant.BotId} shows the messages");
        return inThread;
    }

    private HttpClient ApiClient(string bearer)
    {
        var client = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Api] };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    /// <summary>A tenant of its own with a fresh sandbox bot and forum group, connected through the Api as a tenant would.</summary>
    private async Task<ConnectedTenant> ConnectedTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = $"tgf-{id.ToString("N")[..12]}";
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Telegram files test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t", id, identifier);
        var key = ApiKeySecret.Generate("test");
        await workers.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
        var token = string.Create(CultureInfo.InvariantCulture, $"{botId}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");
        using var group = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups", new { title = "Support" }, Ct);
        group.EnsureSuccessStatusCode();
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chatId").GetInt64();
        using var api = ApiClient(key);
        (await api.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = groupId }, Ct)).EnsureSuccessStatusCode();
        return new ConnectedTenant(new TenantInfo(id, identifier, "Telegram files test", TenantStatus.Active, Plan.BusinessId), key, botId, groupId);
    }

    private sealed record ConnectedTenant(TenantInfo Info, string ApiKey, long BotId, long GroupId)
    {
        public Guid TenantId => Info.Id;
    }
}
