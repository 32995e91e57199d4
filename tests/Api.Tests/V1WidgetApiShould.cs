using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OmniChat.Api.Tests;

/// <summary>The frozen v1 widget contract, against the running Api (default tenant).</summary>
public sealed class V1WidgetApiShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartSendAndListWithExactlyTheContractsFieldNames()
    {
        using var anonymous = api.CreateClient();
        using var started = await anonymous.PostAsJsonAsync("/v1/conversations", new { name = "Ann", locale = "pt-BR", metadata = new { page = "/pricing" } }, Ct);
        var conversation = await started.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(["conversationId", "token", "refreshToken", "expiresIn"], conversation.Keys());
        Assert.Equal(900, conversation.GetProperty("expiresIn").GetInt32());
        var id = conversation.GetProperty("conversationId").GetGuid();

        using var visitor = api.CreateClient(conversation.GetProperty("token").GetString());
        using var sent = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "hello" }, Ct);
        var message = await sent.JsonAsync();
        using var listed = await visitor.GetAsync(new Uri($"/v1/conversations/{id}/messages?afterSeq=0&limit=50", UriKind.Relative), Ct);
        var page = await listed.JsonAsync();

        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        Assert.Equal(["id", "seq", "direction", "text", "createdAt"], message.Keys());
        Assert.Equal("INBOUND", message.GetProperty("direction").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
        Assert.Equal(["messages", "nextAfterSeq"], page.Keys());
        var item = Assert.Single(page.GetProperty("messages").EnumerateArray());
        Assert.Equal(message.GetRawText(), item.GetRawText());
        Assert.Equal(1, page.GetProperty("nextAfterSeq").GetInt64());
    }

    [Fact]
    public async Task AnswerARepeatedClientMessageIdWithTheFirstResultAndNoSecondRow()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);
        var body = new { text = "only once", clientMessageId = Guid.NewGuid() };

        using var first = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", body, Ct);
        using var second = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", body, Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await second.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT last_seq FROM conversations WHERE id = $1", id));
    }

    [Fact]
    public async Task AbsorbTheSameClientMessageIdSentConcurrently()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);
        var body = new { text = "raced", clientMessageId = Guid.NewGuid() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", body, Ct)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT last_seq FROM conversations WHERE id = $1", id));
    }

    [Fact]
    public async Task GiveThirtyTwoConcurrentSendersTheSequenceNumbersOneToThirtyTwo()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);

        var responses = await Task.WhenAll(Enumerable.Range(1, 32).Select(i =>
            visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = $"message {i}" }, Ct)));
        var seqs = new List<long>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            seqs.Add((await response.JsonAsync()).GetProperty("seq").GetInt64());
        }

        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), seqs.Order());
        Assert.Equal(32L, await api.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM messages WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task WriteTheOutboxRowInTheSameTransactionAsTheMessage()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);

        using var sent = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "outboxed" }, Ct);
        var message = await sent.JsonAsync();

        var payloadSeq = await api.ScalarAsync<long>(
            "SELECT (payload->>'seq')::bigint FROM outbox_messages WHERE partition_key = $1 AND message_type = 'MessageAdded' AND payload->>'messageId' = $2",
            id, message.GetProperty("id").GetGuid().ToString());
        Assert.Equal(message.GetProperty("seq").GetInt64(), payloadSeq);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE partition_key = $1 AND message_type = 'ConversationStarted'", id));
    }

    [Fact]
    public async Task RefuseMissingForgedExpiredAndForeignTokens()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        var (otherId, otherToken, _) = await api.StartV1ConversationAsync();
        var tenantId = api.DefaultTenant.Id;
        string Sign(string key, DateTime expires, string algorithm = SecurityAlgorithms.HmacSha256) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "omnichat",
                Audience = "omnichat-conversation",
                IssuedAt = expires.AddMinutes(-15),
                NotBefore = expires.AddMinutes(-15),
                Expires = expires,
                Claims = new Dictionary<string, object> { ["tid"] = tenantId.ToString(), ["cid"] = id.ToString() },
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), algorithm),
            });
        var payload = token.Split('.')[1];
        var algNone = $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{payload}.";
        var withServiceToken = Sign(api.App.Credentials.ServiceToken, DateTime.UtcNow.AddMinutes(10));
        var expired = Sign(api.App.ConversationJwtSecret, DateTime.UtcNow.AddMinutes(-5));
        var valid = Sign(api.App.ConversationJwtSecret, DateTime.UtcNow.AddMinutes(10));

        foreach (var bearer in new[] { null, "garbage", algNone, withServiceToken, expired, otherToken })
        {
            using var client = api.CreateClient(bearer);
            using var response = await client.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "let me in" }, Ct);
            await response.AssertProblemAsync(401, "invalid_token");
        }
        using var control = api.CreateClient(valid);
        using var accepted = await control.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "signed right" }, Ct);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.NotEqual(id, otherId);
    }

    [Fact]
    public async Task RotateRefreshTokensAndRevokeTheFamilyWhenOneIsReused()
    {
        var (id, _, first) = await api.StartV1ConversationAsync();
        using var client = api.CreateClient();

        using var rotated = await client.PostAsJsonAsync($"/v1/conversations/{id}/token", new { refreshToken = first }, Ct);
        var renewed = await rotated.JsonAsync();
        var second = renewed.GetProperty("refreshToken").GetString();
        using var reused = await client.PostAsJsonAsync($"/v1/conversations/{id}/token", new { refreshToken = first }, Ct);
        using var afterRevocation = await client.PostAsJsonAsync($"/v1/conversations/{id}/token", new { refreshToken = second }, Ct);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(["token", "refreshToken", "expiresIn"], renewed.Keys());
        Assert.NotEqual(first, second);
        await reused.AssertProblemAsync(401, "refresh_token_reused");
        await afterRevocation.AssertProblemAsync(401, "invalid_refresh_token");
    }

    [Fact]
    public async Task AnswerBadInputWithProblemsAndWriteNothing()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);
        using var malformed = new StringContent("{\"text\": ", Encoding.UTF8, "application/json");
        using var huge = new StringContent($"{{\"text\":\"{new string('x', 70_000)}\"}}", Encoding.UTF8, "application/json");

        using var badJson = await visitor.PostAsync(new Uri($"/v1/conversations/{id}/messages", UriKind.Relative), malformed, Ct);
        using var tooLong = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = new string('x', 5000) }, Ct);
        using var empty = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "  " }, Ct);
        using var tooLarge = await visitor.PostAsync(new Uri($"/v1/conversations/{id}/messages", UriKind.Relative), huge, Ct);
        using var nul = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = "a\0b" }, Ct);
        using var wrongType = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = 42 }, Ct);

        await badJson.AssertProblemAsync(400, "invalid_json");
        var validation = await tooLong.AssertProblemAsync(400, "validation_failed");
        Assert.True(validation.GetProperty("errors").TryGetProperty("text", out _));
        await empty.AssertProblemAsync(400, "validation_failed");
        await tooLarge.AssertProblemAsync(413, "payload_too_large");
        await nul.AssertProblemAsync(400, "validation_failed");
        await wrongType.AssertProblemAsync(400, "invalid_json");
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task ValidateTheStartOfAConversation()
    {
        using var client = api.CreateClient();

        using var longName = await client.PostAsJsonAsync("/v1/conversations", new { name = new string('n', 101) }, Ct);
        using var badLocale = await client.PostAsJsonAsync("/v1/conversations", new { locale = "not a locale" }, Ct);
        using var bigMetadata = await client.PostAsJsonAsync("/v1/conversations", new { metadata = new { blob = new string('m', 5000) } }, Ct);
        using var arrayMetadata = await client.PostAsJsonAsync("/v1/conversations", new { metadata = "not an object" }, Ct);
        using var noBody = await client.PostAsync(new Uri("/v1/conversations", UriKind.Relative), null, Ct);
        using var nulMetadata = await client.PostAsJsonAsync("/v1/conversations", new { metadata = new { a = "\0" } }, Ct);
        using var hugeNumber = await client.PostAsync(new Uri("/v1/conversations", UriKind.Relative),
            new StringContent("{\"metadata\":{\"n\":1e200000}}", Encoding.UTF8, "application/json"), Ct);

        Assert.True((await longName.AssertProblemAsync(400, "validation_failed")).GetProperty("errors").TryGetProperty("name", out _));
        Assert.True((await badLocale.AssertProblemAsync(400, "validation_failed")).GetProperty("errors").TryGetProperty("locale", out _));
        Assert.True((await bigMetadata.AssertProblemAsync(400, "validation_failed")).GetProperty("errors").TryGetProperty("metadata", out _));
        await arrayMetadata.AssertProblemAsync(400, "validation_failed");
        Assert.Equal(HttpStatusCode.Created, noBody.StatusCode);
        await nulMetadata.AssertProblemAsync(400, "validation_failed");
        await hugeNumber.AssertProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task ListOnlyMessagesAfterTheGivenSequence()
    {
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);
        for (var i = 1; i <= 5; i++)
        {
            (await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = $"m{i}" }, Ct)).Dispose();
        }

        var page = await (await visitor.GetAsync(new Uri($"/v1/conversations/{id}/messages?afterSeq=2&limit=2", UriKind.Relative), Ct)).JsonAsync();
        using var badLimit = await visitor.GetAsync(new Uri($"/v1/conversations/{id}/messages?limit=0", UriKind.Relative), Ct);

        Assert.Equal([3L, 4L], page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal(4, page.GetProperty("nextAfterSeq").GetInt64());
        await badLimit.AssertProblemAsync(400, "validation_failed");
    }
}
