using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OmniChat.Core.Attachments;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;

namespace OmniChat.Api.Tests;

/// <summary>
/// Attachments end to end on the running Api: uploads by visitors and agents, signed download links and the download's
/// headers, the plan's limits, content sniffing, linking to replies, and tenants kept apart.
/// </summary>
public sealed class AttachmentsShould(ApiFixture api)
{
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Png(int size = 300)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        PngSignature.CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private static MultipartFormDataContent File(byte[] bytes, string fileName, string contentType)
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new MultipartFormDataContent { { part, "file", fileName } };
    }

    /// <summary>A new tenant on <paramref name="planId"/> with an agent key, and one of its conversations with the visitor's token.</summary>
    private async Task<Workspace> WorkspaceAsync(string planId = "business")
    {
        var tenantId = Guid.CreateVersion7();
        await api.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Attachments Co', $3, 'Active', 'en', now(), now()) RETURNING 1) SELECT count(*)::int FROM t",
            tenantId, "att-" + tenantId.ToString("N")[..12], planId);
        var key = await api.CreateApiKeyAsync(tenantId, ApiScopes.ConversationsRead, ApiScopes.ConversationsWrite);
        var agent = api.CreateClient(key);
        var (conversationId, token) = await StartAsync(agent);
        return new Workspace(tenantId, agent, conversationId, api.CreateClient(token));
    }

    private static async Task<(Guid Id, string Token)> StartAsync(HttpClient agent)
    {
        using var started = await agent.PostAsJsonAsync("/v2/conversations", new { name = "with files" }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var body = await started.JsonAsync();
        return (body.GetProperty("conversation").GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    private static async Task<JsonElement> UploadAsync(HttpClient client, string path, byte[] bytes, string fileName, string contentType)
    {
        using var content = File(bytes, fileName, contentType);
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    private async Task<long> StoredFilesAsync(Guid tenantId)
    {
        var directory = Path.Combine(api.App.Options.DataDirectory, "attachments", tenantId.ToString("N"));
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Length : 0;
        return files + await api.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE tenant_id = $1", tenantId);
    }

    [Fact]
    public async Task RoundTripAVisitorsImageThroughTheWidgetRoutesAndServeItInline()
    {
        var w = await WorkspaceAsync();
        var png = Png();

        var uploaded = await UploadAsync(w.Visitor, "/v2/widget/attachments", png, "../../holiday<>.png", "image/png");
        var id = uploaded.GetProperty("id").GetGuid();
        using var linkResponse = await w.Visitor.GetAsync(new Uri($"/v2/widget/attachments/{id}", UriKind.Relative), Ct);
        var link = await linkResponse.JsonAsync();
        using var download = await api.CreateClient().GetAsync(new Uri(link.GetProperty("url").GetString()!), Ct);
        var bytes = await download.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(["id", "name", "contentType", "size"], uploaded.Keys());
        Assert.Equal("holiday__.png", uploaded.GetProperty("name").GetString());
        Assert.Equal("image/png", uploaded.GetProperty("contentType").GetString());
        Assert.Equal(png.Length, uploaded.GetProperty("size").GetInt64());
        Assert.InRange(link.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(6));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, bytes);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(download.Headers.CacheControl?.Private);
        Assert.Equal(TimeSpan.FromSeconds(300), download.Headers.CacheControl?.MaxAge);
        Assert.Equal("default-src 'none'; sandbox", download.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png)),
            await api.ScalarAsync<string>("SELECT sha256 FROM attachments WHERE id = $1", id));
    }

    [Fact]
    public async Task RoundTripAnAgentsPdfAndServeItOnlyAsADownload()
    {
        var w = await WorkspaceAsync();
        var pdf = Pdf();

        var uploaded = await UploadAsync(w.Agent, $"/v2/conversations/{w.ConversationId}/attachments", pdf, "Angebot März.pdf", "application/pdf");
        var id = uploaded.GetProperty("id").GetGuid();
        var link = await (await w.Agent.GetAsync(new Uri($"/v2/conversations/{w.ConversationId}/attachments/{id}", UriKind.Relative), Ct)).JsonAsync();
        using var download = await api.CreateClient().GetAsync(new Uri(link.GetProperty("url").GetString()!), Ct);

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("Angebot März.pdf", download.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("agent", await api.ScalarAsync<string>("SELECT uploader FROM attachments WHERE id = $1", id));
    }

    [Fact]
    public async Task DeleteTheFilesOfAnErasedCustomerAndOnlyForTheirOwnTenant()
    {
        var w = await WorkspaceAsync();
        var other = await WorkspaceAsync();
        await UploadAsync(w.Visitor, "/v2/widget/attachments", Png(64), "passport.png", "image/png");
        await UploadAsync(other.Visitor, "/v2/widget/attachments", Png(64), "passport.png", "image/png");
        using var eraser = api.CreateClient(await api.CreateApiKeyAsync(w.TenantId, ApiScopes.CustomersErase));
        using var otherEraser = api.CreateClient(await api.CreateApiKeyAsync(other.TenantId, ApiScopes.CustomersErase));
        var path = new Uri($"/v2/conversations/{w.ConversationId}/customer", UriKind.Relative);

        using var elsewhere = await otherEraser.DeleteAsync(path, Ct);
        using var unscoped = await w.Agent.DeleteAsync(path, Ct);
        await elsewhere.AssertProblemAsync(404, "conversation_not_found");
        await unscoped.AssertProblemAsync(403, "scope_missing");
        Assert.Equal(2, await StoredFilesAsync(w.TenantId));

        using var erased = await eraser.DeleteAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var body = await erased.JsonAsync();
        Assert.Equal(["customerId", "conversations", "messages", "attachments", "erasedAt"], body.Keys());
        Assert.Equal(1, body.GetProperty("attachments").GetInt64());
        Assert.Equal(0, await StoredFilesAsync(w.TenantId));
        Assert.Equal(2, await StoredFilesAsync(other.TenantId));
        Assert.Equal("erased", await api.ScalarAsync<string>("SELECT name FROM conversations WHERE id = $1", w.ConversationId));
        Assert.Equal("with files", await api.ScalarAsync<string>("SELECT name FROM conversations WHERE id = $1", other.ConversationId));
        // The visitor's widget session ends with the data.
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE conversation_id = $1", w.ConversationId));
    }

    [Fact]
    public async Task RefuseAFileOverThePlansLimitAndStoreNothing()
    {
        var w = await WorkspaceAsync("free");
        var tooLarge = Png((5 << 20) + 1);

        using var content = File(tooLarge, "big.png", "image/png");
        using var response = await w.Visitor.PostAsync(new Uri("/v2/widget/attachments", UriKind.Relative), content, Ct);

        var problem = await response.AssertProblemAsync(413, "attachment_too_large");
        Assert.Equal(5L << 20, problem.GetProperty("maxBytes").GetInt64());
        Assert.Equal(0, await StoredFilesAsync(w.TenantId));
    }

    [Fact]
    public async Task StopAnUploadThatWouldOverfillTheTenantsStorage()
    {
        var w = await WorkspaceAsync("free");
        // 10 bytes short of the free plan's 100 MiB.
        await api.ScalarAsync<int>(
            "WITH a AS (INSERT INTO attachments (id, tenant_id, conversation_id, uploader, name, content_type, size, storage_key, sha256, created_at) " +
            "VALUES ($1, $2, $3, 'agent', 'old.pdf', 'application/pdf', $4, 'nowhere', repeat('0', 64), now()) RETURNING 1) SELECT count(*)::int FROM a",
            Guid.CreateVersion7(), w.TenantId, w.ConversationId, (100L << 20) - 10);

        using var content = File(Png(), "one-more.png", "image/png");
        using var response = await w.Visitor.PostAsync(new Uri("/v2/widget/attachments", UriKind.Relative), content, Ct);

        var problem = await response.AssertProblemAsync(402, "limit_exceeded");
        Assert.Equal("storageBytes", problem.GetProperty("limit").GetString());
        Assert.Equal((100L << 20) - 10, problem.GetProperty("used").GetInt64());
        Assert.Equal(100L << 20, problem.GetProperty("max").GetInt64());
        Assert.False(problem.TryGetProperty("resetsAt", out _));
        Assert.Equal(1, await StoredFilesAsync(w.TenantId));
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "cat.png", "image/png")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "logo.txt", "text/plain")]
    [InlineData("%PDF-1.4 but called a picture", "cat.jpg", "image/jpeg")]
    public async Task RefuseContentThatIsNotWhatItClaimsOrNotAllowed(string body, string fileName, string declared)
    {
        var w = await WorkspaceAsync();

        using var content = File(Encoding.UTF8.GetBytes(body), fileName, declared);
        using var response = await w.Visitor.PostAsync(new Uri("/v2/widget/attachments", UriKind.Relative), content, Ct);

        var problem = await response.AssertProblemAsync(415, "unsupported_media_type");
        Assert.Contains("image/png", problem.GetProperty("types").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(0, await StoredFilesAsync(w.TenantId));
    }

    [Fact]
    public async Task AnswerExpiredTamperedOrRetargetedLinksWith403()
    {
        var w = await WorkspaceAsync();
        var first = (await UploadAsync(w.Visitor, "/v2/widget/attachments", Png(), "a.png", "image/png")).GetProperty("id").GetGuid();
        var second = (await UploadAsync(w.Visitor, "/v2/widget/attachments", Png(), "b.png", "image/png")).GetProperty("id").GetGuid();
        var url = (await (await w.Visitor.GetAsync(new Uri($"/v2/widget/attachments/{first}", UriKind.Relative), Ct)).JsonAsync())
            .GetProperty("url").GetString()!;
        var signature = url[(url.IndexOf("&sig=", StringComparison.Ordinal) + 5)..];
        var at = url.IndexOf("&sig=", StringComparison.Ordinal) + 5;
        var tampered = url[..at] + (url[at] == 'A' ? 'B' : 'A') + url[(at + 1)..];
        // The same signature bytes spelled differently (the last character's two unused bits set) are refused too.
        var respelled = url[..^1] + Base64UrlAlphabet[Base64UrlAlphabet.IndexOf(url[^1], StringComparison.Ordinal) ^ 1];
        var retargeted = url.Replace(first.ToString(), second.ToString(), StringComparison.Ordinal);
        var otherTenant = url.Replace(w.TenantId.ToString("N"), api.DemoTenant.Id.ToString("N"), StringComparison.Ordinal);
        var unsigned = url[..url.IndexOf('?', StringComparison.Ordinal)];
        // Signed with the Api's own key (derived from the conversation token secret) but five minutes ago, so expired now.
        var expired = new AttachmentLinks(Options.Create(new AttachmentOptions()),
            Options.Create(new SecurityOptions { ConversationJwtSecret = api.App.ConversationJwtSecret }), new ShiftedTime(TimeSpan.FromMinutes(-6)));
        var fresh = new AttachmentLinks(Options.Create(new AttachmentOptions()),
            Options.Create(new SecurityOptions { ConversationJwtSecret = api.App.ConversationJwtSecret }), TimeProvider.System);
        using var client = api.CreateClient();

        foreach (var bad in new[] { tampered, respelled, retargeted, otherTenant, unsigned, new Uri(new Uri(url), expired.Create(w.TenantId, first).PathAndQuery).ToString() })
        {
            using var response = await client.GetAsync(new Uri(bad), Ct);
            await response.AssertProblemAsync(403, "attachment_link_invalid");
        }
        using var control = await client.GetAsync(new Uri(new Uri(url), fresh.Create(w.TenantId, first).PathAndQuery), Ct);
        using var original = await client.GetAsync(new Uri(url), Ct);

        Assert.Equal(43, signature.Length);
        Assert.Equal(HttpStatusCode.OK, control.StatusCode);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
    }

    [Fact]
    public async Task LinkAnAgentsUploadToOneReplyAndShowItOnTheMessage()
    {
        var w = await WorkspaceAsync();
        var id = (await UploadAsync(w.Agent, $"/v2/conversations/{w.ConversationId}/attachments", Pdf(), "terms.pdf", "application/pdf"))
            .GetProperty("id").GetGuid();
        using var draftForVisitor = await w.Visitor.GetAsync(new Uri($"/v2/widget/attachments/{id}", UriKind.Relative), Ct);
        using var claim = await w.Agent.PostAsJsonAsync($"/v2/conversations/{w.ConversationId}/claim", new { agent = "alice" }, Ct);

        var clientMessageId = Guid.NewGuid();
        using var reply = await w.Agent.PostAsJsonAsync($"/v2/conversations/{w.ConversationId}/messages",
            new { agent = "alice", text = "Here are the terms", clientMessageId, attachmentIds = new[] { id } }, Ct);
        using var retried = await w.Agent.PostAsJsonAsync($"/v2/conversations/{w.ConversationId}/messages",
            new { agent = "alice", text = "Here are the terms", clientMessageId, attachmentIds = new[] { id } }, Ct);
        using var again = await w.Agent.PostAsJsonAsync($"/v2/conversations/{w.ConversationId}/messages",
            new { agent = "alice", text = "Once more", attachmentIds = new[] { id } }, Ct);
        var messages = await (await w.Agent.GetAsync(new Uri($"/v2/conversations/{w.ConversationId}/messages", UriKind.Relative), Ct)).JsonAsync();
        using var linkedForVisitor = await w.Visitor.GetAsync(new Uri($"/v2/widget/attachments/{id}", UriKind.Relative), Ct);

        await draftForVisitor.AssertProblemAsync(404, "attachment_not_found");
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var written = await reply.JsonAsync();
        var attachment = Assert.Single(written.GetProperty("attachments").EnumerateArray());
        Assert.Equal(id, attachment.GetProperty("id").GetGuid());
        Assert.Equal(["id", "name", "contentType", "size"], attachment.Keys());
        await again.AssertProblemAsync(409, "attachment_already_linked");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var repeat = await retried.JsonAsync();
        Assert.Equal(written.GetProperty("id").GetGuid(), repeat.GetProperty("id").GetGuid());
        Assert.Equal(id, Assert.Single(repeat.GetProperty("attachments").EnumerateArray()).GetProperty("id").GetGuid());
        var listed = messages.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["Here are the terms"], listed.Where(m => m.GetProperty("direction").GetString() == "OUTBOUND").Select(m => m.GetProperty("text").GetString()));
        var shown = Assert.Single(listed.Single(m => m.TryGetProperty("attachments", out _)).GetProperty("attachments").EnumerateArray());
        Assert.Equal("terms.pdf", shown.GetProperty("name").GetString());
        Assert.Equal("application/pdf", shown.GetProperty("contentType").GetString());
        Assert.Equal(HttpStatusCode.OK, linkedForVisitor.StatusCode);
        Assert.Equal(written.GetProperty("id").GetGuid(), await api.ScalarAsync<Guid>("SELECT message_id FROM attachments WHERE id = $1", id));
        Assert.Equal("terms.pdf", await api.ScalarAsync<string>(
            "SELECT payload->'attachments'->0->>'name' FROM outbox_messages WHERE message_type = 'MessageAdded' AND payload->>'messageId' = $1",
            written.GetProperty("id").GetGuid().ToString()));
    }

    [Fact]
    public async Task LetOnlyOneOfTwoSimultaneousRepliesTakeAnAttachment()
    {
        var w = await WorkspaceAsync();
        using var claim = await w.Agent.PostAsJsonAsync($"/v2/conversations/{w.ConversationId}/claim", new { agent = "alice" }, Ct);
        for (var round = 0; round < 5; round++)
        {
            var id = (await UploadAsync(w.Agent, $"/v2/conversations/{w.ConversationId}/attachments", Pdf(), $"r{round}.pdf", "application/pdf"))
                .GetProperty("id").GetGuid();

            var replies = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => w.Agent.PostAsJsonAsync(
                $"/v2/conversations/{w.ConversationId}/messages", new { agent = "alice", text = $"reply {round}.{i}", attachmentIds = new[] { id } }, Ct)));

            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], replies.Select(r => r.StatusCode).Order());
            foreach (var reply in replies)
            {
                reply.Dispose();
            }
        }
        // The losers wrote nothing and took no seq: the conversation's seqs stay gapless (claim 1, then one reply a round).
        Assert.Equal(6L, await api.ScalarAsync<long>("SELECT last_seq FROM conversations WHERE id = $1", w.ConversationId));
        Assert.Equal(5L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", w.ConversationId));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE conversation_id = $1 AND message_id IS NULL", w.ConversationId));
    }

    [Fact]
    public async Task LetNoOtherTenantOrConversationFetchOrLinkAnAttachment()
    {
        var a = await WorkspaceAsync();
        var b = await WorkspaceAsync();
        var (otherConversation, otherToken) = await StartAsync(a.Agent);
        using var otherVisitor = api.CreateClient(otherToken);
        var id = (await UploadAsync(a.Visitor, "/v2/widget/attachments", Png(), "mine.png", "image/png")).GetProperty("id").GetGuid();
        await b.Agent.PostAsJsonAsync($"/v2/conversations/{b.ConversationId}/claim", new { agent = "mallory" }, Ct);
        await a.Agent.PostAsJsonAsync($"/v2/conversations/{otherConversation}/claim", new { agent = "alice" }, Ct);

        var attempts = new Func<Task<HttpResponseMessage>>[]
        {
            () => b.Agent.GetAsync(new Uri($"/v2/conversations/{a.ConversationId}/attachments/{id}", UriKind.Relative), Ct),
            () => b.Agent.GetAsync(new Uri($"/v2/conversations/{b.ConversationId}/attachments/{id}", UriKind.Relative), Ct),
            () => b.Visitor.GetAsync(new Uri($"/v2/widget/attachments/{id}", UriKind.Relative), Ct),
            () => otherVisitor.GetAsync(new Uri($"/v2/widget/attachments/{id}", UriKind.Relative), Ct),
            () => b.Agent.PostAsJsonAsync($"/v2/conversations/{b.ConversationId}/messages", new { agent = "mallory", text = "x", attachmentIds = new[] { id } }, Ct),
            () => a.Agent.PostAsJsonAsync($"/v2/conversations/{otherConversation}/messages", new { agent = "alice", text = "x", attachmentIds = new[] { id } }, Ct),
        };
        foreach (var attempt in attempts)
        {
            using var response = await attempt();
            await response.AssertProblemAsync(404, "attachment_not_found");
        }
        using var content = File(Png(), "into-a.png", "image/png");
        using var upload = await b.Agent.PostAsync(new Uri($"/v2/conversations/{a.ConversationId}/attachments", UriKind.Relative), content, Ct);

        await upload.AssertProblemAsync(404, "conversation_not_found");
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE tenant_id = $1", a.TenantId));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE tenant_id = $1", b.TenantId));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'Outbound'", b.TenantId));
    }

    private sealed record Workspace(Guid TenantId, HttpClient Agent, Guid ConversationId, HttpClient Visitor);

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
