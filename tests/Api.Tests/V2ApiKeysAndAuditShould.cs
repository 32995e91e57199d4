using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniChat.Core.Identity;

namespace OmniChat.Api.Tests;

public sealed class V2ApiKeysAndAuditShould(ApiFixture api)
{
    private static readonly string[] ReadOnly = [ApiScopes.ConversationsRead];
    private static readonly string[] AuditOnly = [ApiScopes.AuditRead];
    private static readonly string[] Unknown = ["root"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateAKeyShownOnceListItMaskedAndRevokeIt()
    {
        using var admin = api.CreateClient(api.DemoTenant.ApiKey);

        using var created = await admin.PostAsJsonAsync("/v2/api-keys", new { name = "reader", scopes = ReadOnly }, Ct);
        var key = await created.JsonAsync();
        var secret = key.GetProperty("key").GetString()!;
        using var withNewKey = api.CreateClient(secret);
        using var works = await withNewKey.GetAsync(new Uri("/v2/conversations", UriKind.Relative), Ct);
        var listed = await (await admin.GetAsync(new Uri("/v2/api-keys", UriKind.Relative), Ct)).Content.ReadAsStringAsync(Ct);
        var shown = JsonDocument.Parse(listed).RootElement.GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("id").GetGuid() == key.GetProperty("id").GetGuid());
        using var revoked = await admin.DeleteAsync(new Uri($"/v2/api-keys/{key.GetProperty("id").GetGuid()}", UriKind.Relative), Ct);
        using var afterRevoke = await withNewKey.GetAsync(new Uri("/v2/conversations", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("ock_live_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        Assert.Contains(key.GetProperty("prefix").GetString()!, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(api.DemoTenant.ApiKey, listed, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, shown.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await afterRevoke.AssertProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task RefuseToGrantScopesTheCallerLacks()
    {
        var manager = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.KeysManage, ApiScopes.ConversationsRead);
        using var client = api.CreateClient(manager);

        using var escalation = await client.PostAsJsonAsync("/v2/api-keys", new { name = "more", scopes = AuditOnly }, Ct);
        using var unknown = await client.PostAsJsonAsync("/v2/api-keys", new { name = "odd", scopes = Unknown }, Ct);
        using var expired = await client.PostAsJsonAsync("/v2/api-keys",
            new { name = "past", scopes = ReadOnly, expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, Ct);

        var refused = await escalation.AssertProblemAsync(403, "scope_not_held");
        Assert.Equal([ApiScopes.AuditRead], refused.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        await unknown.AssertProblemAsync(400, "validation_failed");
        await expired.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task RefuseAKeyNameWithANulCharacter()
    {
        using var admin = api.CreateClient(api.DemoTenant.ApiKey);

        using var created = await admin.PostAsJsonAsync("/v2/api-keys", new { name = "a\u0000b", scopes = ReadOnly }, Ct);

        var problem = await created.AssertProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task RefuseToCreateAKeyThatOutlivesTheCaller()
    {
        var callerExpires = DateTimeOffset.UtcNow.AddHours(1);
        var manager = await api.CreateApiKeyAsync(api.DemoTenant.Id, callerExpires, ApiScopes.KeysManage, ApiScopes.ConversationsRead);
        using var client = api.CreateClient(manager);

        using var forever = await client.PostAsJsonAsync("/v2/api-keys", new { name = "forever", scopes = ReadOnly }, Ct);
        using var later = await client.PostAsJsonAsync("/v2/api-keys",
            new { name = "later", scopes = ReadOnly, expiresAt = callerExpires.AddDays(1) }, Ct);
        using var sooner = await client.PostAsJsonAsync("/v2/api-keys",
            new { name = "sooner", scopes = ReadOnly, expiresAt = callerExpires.AddMinutes(-1) }, Ct);

        var problem = await forever.AssertProblemAsync(403, "expiry_beyond_caller");
        Assert.Equal(callerExpires.ToUnixTimeSeconds(), problem.GetProperty("maxExpiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        await later.AssertProblemAsync(403, "expiry_beyond_caller");
        Assert.Equal(HttpStatusCode.Created, sooner.StatusCode);
    }

    [Fact]
    public async Task RefuseToRevokeAKeyWithBroaderScopes()
    {
        var manager = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.KeysManage, ApiScopes.ConversationsRead);
        using var client = api.CreateClient(manager);
        using var demoAdmin = api.CreateClient(api.DemoTenant.ApiKey);
        using var defaultAdmin = api.CreateClient(api.DefaultTenant.ApiKey);
        var broad = await CreateKeyAsync(demoAdmin, [ApiScopes.KeysManage, ApiScopes.ConversationsRead, ApiScopes.AuditRead]);
        var narrow = await CreateKeyAsync(demoAdmin, ReadOnly);
        var otherTenants = await CreateKeyAsync(defaultAdmin, [ApiScopes.KeysManage, ApiScopes.AuditRead]);

        using var broader = await client.DeleteAsync(new Uri($"/v2/api-keys/{broad}", UriKind.Relative), Ct);
        using var within = await client.DeleteAsync(new Uri($"/v2/api-keys/{narrow}", UriKind.Relative), Ct);
        using var foreign = await client.DeleteAsync(new Uri($"/v2/api-keys/{otherTenants}", UriKind.Relative), Ct);

        var problem = await broader.AssertProblemAsync(403, "key_broader_than_caller");
        Assert.Equal([ApiScopes.AuditRead], problem.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Null(await api.ScalarAsync<object>("SELECT revoked_at FROM api_keys WHERE id = $1", broad) as DateTime?);
        Assert.Equal(HttpStatusCode.NoContent, within.StatusCode);
        await foreign.AssertProblemAsync(404, "api_key_not_found");
        Assert.Null(await api.ScalarAsync<object>("SELECT revoked_at FROM api_keys WHERE id = $1", otherTenants) as DateTime?);
    }

    [Fact]
    public async Task RefuseAKeyOnceItHasExpired()
    {
        using var admin = api.CreateClient(api.DemoTenant.ApiKey);
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(5);
        using var created = await admin.PostAsJsonAsync("/v2/api-keys", new { name = "short-lived", scopes = ReadOnly, expiresAt }, Ct);
        using var shortLived = api.CreateClient((await created.JsonAsync()).GetProperty("key").GetString());

        using var beforeExpiry = await shortLived.GetAsync(new Uri("/v2/conversations", UriKind.Relative), Ct);
        // Wait for the condition (the key refused), not for a fixed time; the answer must be the plain 401 of a bad key.
        HttpResponseMessage afterExpiry;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            while (true)
            {
                afterExpiry = await shortLived.GetAsync(new Uri("/v2/conversations", UriKind.Relative), timeout.Token);
                if (afterExpiry.StatusCode != HttpStatusCode.OK)
                {
                    break;
                }
                afterExpiry.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
        }

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, beforeExpiry.StatusCode);
        await afterExpiry.AssertProblemAsync(401, "unauthorized");
        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
        afterExpiry.Dispose();
    }

    [Fact]
    public async Task NeverRevokeOrListAnotherTenantsKeys()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var owner = api.CreateClient(api.DefaultTenant.ApiKey);
        using var created = await owner.PostAsJsonAsync("/v2/api-keys", new { name = "default's", scopes = ReadOnly }, Ct);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();

        using var revoke = await demo.DeleteAsync(new Uri($"/v2/api-keys/{id}", UriKind.Relative), Ct);
        var listed = await (await demo.GetAsync(new Uri("/v2/api-keys", UriKind.Relative), Ct)).JsonAsync();

        await revoke.AssertProblemAsync(404, "api_key_not_found");
        Assert.DoesNotContain(listed.GetProperty("keys").EnumerateArray(), k => k.GetProperty("id").GetGuid() == id);
        Assert.Null(await api.ScalarAsync<object>("SELECT revoked_at FROM api_keys WHERE id = $1", id) as DateTime?);
    }

    [Fact]
    public async Task RequireKeysManageScope()
    {
        var reader = await api.CreateApiKeyAsync(api.DemoTenant.Id, ApiScopes.ConversationsRead);
        using var client = api.CreateClient(reader);

        using var response = await client.GetAsync(new Uri("/v2/api-keys", UriKind.Relative), Ct);

        Assert.Equal(ApiScopes.KeysManage, (await response.AssertProblemAsync(403, "scope_missing")).GetProperty("scope").GetString());
    }

    [Fact]
    public async Task AuditAdminMutationsAndExportThemPerTenant()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var started = await demo.PostAsJsonAsync("/v2/conversations", new { name = "audited" }, Ct);
        var id = (await started.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
        using var claimRequest = new HttpRequestMessage(HttpMethod.Post, $"/v2/conversations/{id}/claim") { Content = JsonContent.Create(new { agent = "dora" }) };
        claimRequest.Headers.Add("X-Request-Id", "audit-req-1");
        (await demo.SendAsync(claimRequest, Ct)).Dispose();
        (await demo.PostAsync(new Uri($"/v2/conversations/{id}/close", UriKind.Relative), null, Ct)).Dispose();
        var (defaultConversation, _, _) = await api.StartV1ConversationAsync();
        using (var admin = api.ServiceTokenClient())
        {
            (await admin.PostAsJsonAsync($"/v1/admin/conversations/{defaultConversation}/claim", new { agent = "zed" }, Ct)).Dispose();
        }

        var jsonl = await demo.GetStringAsync(new Uri("/v2/audit/export?format=jsonl", UriKind.Relative), Ct);
        var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var csv = await demo.GetStringAsync(new Uri("/v2/audit/export?format=csv", UriKind.Relative), Ct);
        using var badFormat = await demo.GetAsync(new Uri("/v2/audit/export?format=xml", UriKind.Relative), Ct);

        var mine = lines.Where(l => l.GetProperty("targetId").GetString() == id.ToString()).Select(l => l.GetProperty("action").GetString()).ToList();
        Assert.Equal(["conversation.started", "conversation.claimed", "conversation.closed"], mine);
        Assert.Contains(lines, l => l.GetProperty("requestId").GetString() == "audit-req-1" && l.GetProperty("action").GetString() == "conversation.claimed");
        Assert.DoesNotContain(lines, l => l.GetProperty("targetId").GetString() == defaultConversation.ToString());
        Assert.StartsWith("id,occurredAt,actor,actorType,action,targetType,targetId,requestId,details", csv, StringComparison.Ordinal);
        Assert.Contains($"conversation.claimed,conversation,{id}", csv, StringComparison.Ordinal);
        await badFormat.AssertProblemAsync(400, "validation_failed");
        Assert.Equal(1L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE target_id = $1 AND action = 'conversation.claimed' AND actor = 'service_token'", defaultConversation.ToString()));
    }

    [Fact]
    public async Task AuditAgentMessagesOnceWithTheirSeq()
    {
        var (conversation, _, _) = await api.StartV1ConversationAsync();
        var clientMessageId = Guid.NewGuid();
        using var admin = api.ServiceTokenClient();
        using var first = await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversation}/reply",
            new { agent = "zed", text = "hello", clientMessageId }, Ct);
        using var repeat = await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversation}/reply",
            new { agent = "zed", text = "hello", clientMessageId }, Ct);
        using var second = await admin.PostAsJsonAsync($"/v1/admin/conversations/{conversation}/reply", new { agent = "zed", text = "again" }, Ct);
        var (firstBody, secondBody) = (await first.JsonAsync(), await second.JsonAsync());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        foreach (var body in new[] { firstBody, secondBody })
        {
            Assert.Equal(1L, await api.ScalarAsync<long>(
                "SELECT count(*) FROM audit_entries WHERE target_id = $1 AND action = 'message.added' AND actor = 'service_token' "
                + "AND details ->> 'messageId' = $2 AND (details ->> 'seq')::bigint = $3",
                conversation.ToString(), body.GetProperty("id").GetString()!, body.GetProperty("seq").GetInt64()));
        }
        Assert.Equal(2L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries WHERE target_id = $1 AND action = 'message.added'", conversation.ToString()));
    }

    private static async Task<Guid> CreateKeyAsync(HttpClient admin, string[] scopes)
    {
        using var created = await admin.PostAsJsonAsync("/v2/api-keys", new { name = "target", scopes }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.JsonAsync()).GetProperty("id").GetGuid();
    }
}
