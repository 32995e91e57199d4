using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OmniChat.Core;
using OmniChat.Core.Audit;
using OmniChat.Core.Webhooks;

namespace OmniChat.Workers.Tests;

/// <summary>Outgoing webhooks end to end: Api → outbox → RabbitMQ → Workers (fan-out, sender) → a receiver on 127.0.0.1.</summary>
public sealed class WebhooksShould(WorkersFixture workers) : IAsyncLifetime
{
    private static readonly string[] MessageAdded = ["message.added"];
    private static readonly string[] Everything = ["everything"];
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private WebhookReceiver _receiver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(await workers.Contract.GetAsync(Ct));

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    // Every exchange is held to the Api's OpenAPI document.
    private HttpClient Api(string key)
    {
        var client = workers.Contract.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private string DefaultKey => workers.App.Credentials.Tenants.Single(t => t.Identifier == "default").ApiKey;

    private string DemoKey => workers.App.Credentials.Tenants.Single(t => t.Identifier == "demo").ApiKey;

    private async Task<(Guid Id, string Secret)> SubscribeAsync(HttpClient api, string path)
    {
        using var created = await api.PostAsJsonAsync("/v2/webhooks", new { url = new Uri(_receiver.BaseUrl, path).ToString(), events = MessageAdded }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (body.GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
    }

    // A v1 visitor message in the default tenant; returns the conversation id.
    private async Task<Guid> PostVisitorMessageAsync(string text)
    {
        using var client = workers.Contract.CreateClient();
        using var started = await client.PostAsJsonAsync("/v1/conversations", new { name = "webhooks" }, Ct);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = body.GetProperty("conversationId").GetGuid();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        (await client.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text }, Ct)).EnsureSuccessStatusCode();
        return id;
    }

    private static bool IsFor(ReceivedDelivery delivery, Guid conversation) =>
        JsonDocument.Parse(delivery.Body).RootElement.GetProperty("data").GetProperty("conversationId").GetGuid() == conversation;

    [Fact]
    public async Task DeliverAnotherTenantsEventsWhileOneTenantsReceiverHangs()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Hold = path => path == "/hangs" ? release.Task : Task.CompletedTask;
        using var defaultApi = Api(DefaultKey);
        using var demoApi = Api(DemoKey);
        var (hanging, _) = await SubscribeAsync(defaultApi, "/hangs");
        var (other, _) = await SubscribeAsync(demoApi, "/other");
        try
        {
            // More hanging deliveries of the default tenant than its share of the sender, each held open by the receiver.
            var stuck = new List<Guid>();
            for (var i = 0; i < 6; i++)
            {
                stuck.Add(await PostVisitorMessageAsync($"stuck {i}"));
            }
            await _receiver.WaitForAsync("/hangs", r => r.Count >= 1);

            var (demoConversation, _) = await StartV2ConversationAsync(demoApi, "not held up");
            (await demoApi.PostAsJsonAsync($"/v2/conversations/{demoConversation}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();
            (await demoApi.PostAsJsonAsync($"/v2/conversations/{demoConversation}/messages", new { agent = "ann", text = "on time" }, Ct)).EnsureSuccessStatusCode();
            var delivered = await _receiver.WaitForAsync("/other", r => r.Any(d => IsFor(d, demoConversation)));

            Assert.Contains(delivered, d => IsFor(d, demoConversation));
            release.SetResult();
            // Once let go, the held tenant's deliveries all arrive too.
            await _receiver.WaitForAsync("/hangs", r => stuck.All(c => r.Any(d => IsFor(d, c))));
        }
        finally
        {
            release.TrySetResult();
            await defaultApi.DeleteAsync(new Uri($"/v2/webhooks/{hanging}", UriKind.Relative), Ct);
            await demoApi.DeleteAsync(new Uri($"/v2/webhooks/{other}", UriKind.Relative), Ct);
        }
    }

    private static async Task<(Guid Id, string Name)> StartV2ConversationAsync(HttpClient api, string name)
    {
        using var created = await api.PostAsJsonAsync("/v2/conversations", new { name }, Ct);
        created.EnsureSuccessStatusCode();
        return ((await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("conversation").GetProperty("id").GetGuid(), name);
    }

    [Fact]
    public async Task DeliverAV1MessageSignedWithTheSecretGivenAtCreation()
    {
        using var api = Api(DefaultKey);
        var (subscription, secret) = await SubscribeAsync(api, "/signed");

        var conversation = await PostVisitorMessageAsync("hello webhooks");
        var received = await _receiver.WaitForAsync("/signed", r => r.Any(d => IsFor(d, conversation)));

        var delivery = received.Single(d => IsFor(d, conversation));
        var body = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.True(WebhookSigning.Verify(delivery.Body, delivery.Signature, secret, DateTimeOffset.UtcNow, Tolerance));
        Assert.False(WebhookSigning.Verify(delivery.Body + " ", delivery.Signature, secret, DateTimeOffset.UtcNow, Tolerance));
        Assert.Equal(["id", "type", "tenantId", "occurredAt", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("message.added", body.GetProperty("type").GetString());
        Assert.Equal(delivery.EventId, body.GetProperty("id").GetString());
        var message = body.GetProperty("data").GetProperty("message");
        Assert.Equal(["id", "seq", "direction", "text", "createdAt"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("hello webhooks", "INBOUND", 1L), (message.GetProperty("text").GetString(), message.GetProperty("direction").GetString(),
            message.GetProperty("seq").GetInt64()));
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task DescribeTheFilesAMessageCarries()
    {
        using var api = Api(DefaultKey);
        var (subscription, _) = await SubscribeAsync(api, "/files");
        var (conversation, _) = await StartV2ConversationAsync(api, "Files");
        (await api.PostAsJsonAsync($"/v2/conversations/{conversation}/claim", new { agent = "bob" }, Ct)).EnsureSuccessStatusCode();
        using var upload = await api.PostAsync(new Uri($"/v2/conversations/{conversation}/attachments", UriKind.Relative),
            new MultipartFormDataContent { { new ByteArrayContent("%PDF-1.7\n%the invoice\n"u8.ToArray()) { Headers = { ContentType = new("application/pdf") } }, "file", "invoice.pdf" } },
            Ct);
        var attachment = (await upload.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        (await api.PostAsJsonAsync($"/v2/conversations/{conversation}/messages", new { agent = "bob", text = "Your invoice", attachmentIds = new[] { attachment } }, Ct))
            .EnsureSuccessStatusCode();

        var received = await _receiver.WaitForAsync("/files", r => r.Any(d => IsFor(d, conversation) && d.Body.Contains("Your invoice", StringComparison.Ordinal)));
        var message = JsonDocument.Parse(received.First(d => d.Body.Contains("Your invoice", StringComparison.Ordinal)).Body).RootElement
            .GetProperty("data").GetProperty("message");
        var file = message.GetProperty("attachments").EnumerateArray().Single();

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(attachment, file.GetProperty("id").GetGuid());
        Assert.Equal(("invoice.pdf", "application/pdf"), (file.GetProperty("name").GetString(), file.GetProperty("contentType").GetString()));
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task RetryAfterA500WithTheSameEventIdAndAValidSignature()
    {
        _receiver.Answer = (path, before) => path == "/flaky" && before == 0 ? 500 : 200;
        using var api = Api(DefaultKey);
        var (subscription, secret) = await SubscribeAsync(api, "/flaky");

        var conversation = await PostVisitorMessageAsync("try again");
        var received = await _receiver.WaitForAsync("/flaky", r => r.Count(d => IsFor(d, conversation)) >= 2);
        var log = await WaitForDeliveryAsync(api, subscription, d => Of(d, conversation) && d.GetProperty("status").GetString() == "sent");

        var attempts = received.Where(d => IsFor(d, conversation)).ToList();
        Assert.Equal([500, 200], attempts.Select(d => d.AnsweredWith));
        Assert.Single(attempts.Select(d => d.EventId).Distinct());
        Assert.All(attempts, d => Assert.True(WebhookSigning.Verify(d.Body, d.Signature, secret, DateTimeOffset.UtcNow, Tolerance)));
        Assert.Equal(2, log.GetProperty("attempts").GetInt32());
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task DeadLetterWhatKeepsFailingAndDeliverItOnReplay()
    {
        var up = false;
        _receiver.Answer = (path, _) => path == "/down" && !Volatile.Read(ref up) ? 503 : 200;
        using var api = Api(DefaultKey);
        var (subscription, secret) = await SubscribeAsync(api, "/down");

        var conversation = await PostVisitorMessageAsync("nobody home");
        var dead = await WaitForDeliveryAsync(api, subscription, d => Of(d, conversation) && d.GetProperty("status").GetString() == "dead", seconds: 45);
        var letters = await (await api.GetAsync(new Uri("/v2/webhooks/dead-letters", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Volatile.Write(ref up, true);
        using var replay = await api.PostAsync(
            new Uri($"/v2/webhooks/{subscription}/deliveries/{dead.GetProperty("id").GetGuid()}/redeliver", UriKind.Relative), null, Ct);
        var received = await _receiver.WaitForAsync("/down", r => r.Any(d => IsFor(d, conversation) && d.AnsweredWith == 200));

        Assert.True(dead.GetProperty("attempts").GetInt32() > 1);
        Assert.Equal(503, dead.GetProperty("lastStatusCode").GetInt32());
        Assert.Contains(letters.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("id").GetGuid() == dead.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var delivered = received.Last(d => IsFor(d, conversation));
        Assert.Equal(dead.GetProperty("eventId").GetString(), delivered.EventId);
        Assert.True(WebhookSigning.Verify(delivered.Body, delivered.Signature, secret, DateTimeOffset.UtcNow, Tolerance));
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task LetTheOperatorListInspectAndReplayDeadLettersAcrossTenants()
    {
        var up = false;
        _receiver.Answer = (path, _) => path == "/operator" && !Volatile.Read(ref up) ? 500 : 200;
        using var api = Api(DefaultKey);
        var (subscription, _) = await SubscribeAsync(api, "/operator");
        var conversation = await PostVisitorMessageAsync("for the operator");
        var dead = await WaitForDeliveryAsync(api, subscription, d => Of(d, conversation) && d.GetProperty("status").GetString() == "dead", seconds: 45);
        var deadId = dead.GetProperty("id").GetGuid();
        using var workersApi = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Workers] };

        using var anonymous = await workersApi.GetAsync(new Uri("/v2/operator/dead-letters", UriKind.Relative), Ct);
        using var withApiKey = new HttpRequestMessage(HttpMethod.Get, "/v2/operator/dead-letters");
        withApiKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DefaultKey);
        using var tenantKey = await workersApi.SendAsync(withApiKey, Ct);
        workersApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.Operator.Token);
        var list = await (await workersApi.GetAsync(new Uri("/v2/operator/dead-letters", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var inspected = await (await workersApi.GetAsync(new Uri($"/v2/operator/dead-letters/{deadId}", UriKind.Relative), Ct)).Content
            .ReadFromJsonAsync<JsonElement>(Ct);
        Volatile.Write(ref up, true);
        using var replay = await workersApi.PostAsync(new Uri($"/v2/operator/dead-letters/{deadId}/replay", UriKind.Relative), null, Ct);
        var received = await _receiver.WaitForAsync("/operator", r => r.Any(d => IsFor(d, conversation) && d.AnsweredWith == 200));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tenantKey.StatusCode);
        var listed = list.GetProperty("deadLetters").EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == deadId);
        Assert.Equal(workers.App.Credentials.Tenants.Single(t => t.Identifier == "default").Id, listed.GetProperty("tenantId").GetGuid());
        Assert.Equal(received.Last(d => IsFor(d, conversation)).Body, inspected.GetProperty("body").GetString());
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(AuditActor.OperatorType, await ReplayAuditActorTypeAsync(deadId));
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task RefuseTheServiceTokenOnTheOperatorEndpoints()
    {
        using var workersApi = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Workers] };
        workersApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.ServiceToken);

        using var list = await workersApi.GetAsync(new Uri("/v2/operator/dead-letters", UriKind.Relative), Ct);
        using var replay = await workersApi.PostAsync(new Uri($"/v2/operator/dead-letters/{Guid.NewGuid()}/replay", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal("invalid_operator_token", (await list.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }

    [Fact]
    public async Task LetTheOperatorTokenListDeadLetters()
    {
        using var workersApi = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Workers] };
        workersApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", workers.App.Credentials.Operator.Token);

        using var list = await workersApi.GetAsync(new Uri("/v2/operator/dead-letters", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.NotEqual(workers.App.Credentials.ServiceToken, workers.App.Credentials.Operator.Token);
    }

    private async Task<string?> ReplayAuditActorTypeAsync(Guid deliveryId)
    {
        await using var connection = new NpgsqlConnection(workers.App.Database.System);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT actor_type FROM audit_entries WHERE action = 'webhook.replayed_by_operator' AND target_id = @id", connection)
        {
            Parameters = { new("id", deliveryId.ToString()) },
        };
        return (string?)await command.ExecuteScalarAsync(Ct);
    }

    [Fact]
    public async Task SignWithBothSecretsWhileARotationOverlaps()
    {
        using var api = Api(DefaultKey);
        var (subscription, oldSecret) = await SubscribeAsync(api, "/rotated");
        using var rotated = await api.PostAsJsonAsync($"/v2/webhooks/{subscription}/rotate-secret", new { overlapMinutes = 60 }, Ct);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("secret").GetString()!;

        var conversation = await PostVisitorMessageAsync("rotating");
        var delivery = (await _receiver.WaitForAsync("/rotated", r => r.Any(d => IsFor(d, conversation)))).Single(d => IsFor(d, conversation));

        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(2, delivery.Signature.Split(',').Count(p => p.StartsWith("v1=", StringComparison.Ordinal)));
        Assert.True(WebhookSigning.Verify(delivery.Body, delivery.Signature, newSecret, DateTimeOffset.UtcNow, Tolerance));
        Assert.True(WebhookSigning.Verify(delivery.Body, delivery.Signature, oldSecret, DateTimeOffset.UtcNow, Tolerance));
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    [Fact]
    public async Task VerifyWithTheDocumentedShellRecipe()
    {
        using var api = Api(DefaultKey);
        var (subscription, secret) = await SubscribeAsync(api, "/shell");
        var conversation = await PostVisitorMessageAsync("checked by openssl");
        var delivery = (await _receiver.WaitForAsync("/shell", r => r.Any(d => IsFor(d, conversation)))).Single(d => IsFor(d, conversation));

        var recipe = DocumentedShellRecipe();
        var valid = await RunRecipeAsync(recipe, delivery.Body, delivery.Signature, secret);
        var tampered = await RunRecipeAsync(recipe, delivery.Body.Replace("openssl", "OpenSSL", StringComparison.Ordinal), delivery.Signature, secret);

        Assert.Equal("valid", valid.Trim());
        Assert.Equal("", tampered.Trim());
        await api.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    // The first ```sh block of docs/webhooks.md, so the documentation cannot drift from what is tested.
    private static string DocumentedShellRecipe()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "OmniChat.sln")))
        {
            directory = directory.Parent;
        }
        var doc = File.ReadAllText(Path.Combine(directory.FullName, "docs", "webhooks.md"));
        var start = doc.IndexOf("```sh\n", StringComparison.Ordinal) + "```sh\n".Length;
        return doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private static async Task<string> RunRecipeAsync(string recipe, string body, string header, string secret)
    {
        var directory = Directory.CreateTempSubdirectory("omnichat-webhook-recipe-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "body.json"), body, Ct);
            var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", recipe])
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["secret"] = secret, ["header"] = header },
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            return output;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    public async Task RefusePrivateLinkLocalAndMalformedTargets(string url)
    {
        using var api = Api(DefaultKey);

        using var response = await api.PostAsJsonAsync("/v2/webhooks", new { url, events = MessageAdded }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task KeepEachTenantsSubscriptionsToItself()
    {
        using var owner = Api(DefaultKey);
        using var other = Api(DemoKey);
        var (subscription, _) = await SubscribeAsync(owner, "/mine");
        // A real delivery of the owner's, so that redelivering it from the other tenant is refused for the tenant, not the id.
        var conversation = await PostVisitorMessageAsync("for the owner only");
        var delivery = (await WaitForDeliveryAsync(owner, subscription, d => Of(d, conversation))).GetProperty("id").GetGuid();

        using var get = await other.GetAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
        using var deliveries = await other.GetAsync(new Uri($"/v2/webhooks/{subscription}/deliveries", UriKind.Relative), Ct);
        using var delete = await other.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
        using var patch = await other.PatchAsJsonAsync($"/v2/webhooks/{subscription}", new { enabled = false }, Ct);
        using var rotate = await other.PostAsJsonAsync($"/v2/webhooks/{subscription}/rotate-secret", new { overlapMinutes = 0 }, Ct);
        using var redeliver = await other.PostAsync(new Uri($"/v2/webhooks/{subscription}/deliveries/{delivery}/redeliver", UriKind.Relative), null, Ct);
        var list = await (await other.GetAsync(new Uri("/v2/webhooks", UriKind.Relative), Ct)).Content.ReadAsStringAsync(Ct);
        using var badEvents = await owner.PostAsJsonAsync("/v2/webhooks",
            new { url = new Uri(_receiver.BaseUrl, "/x").ToString(), events = Everything }, Ct);

        await AssertProblemAsync(get, HttpStatusCode.NotFound, "webhook_not_found");
        await AssertProblemAsync(deliveries, HttpStatusCode.NotFound, "webhook_not_found");
        await AssertProblemAsync(delete, HttpStatusCode.NotFound, "webhook_not_found");
        await AssertProblemAsync(patch, HttpStatusCode.NotFound, "webhook_not_found");
        await AssertProblemAsync(rotate, HttpStatusCode.NotFound, "webhook_not_found");
        await AssertProblemAsync(redeliver, HttpStatusCode.NotFound, "delivery_not_found");
        Assert.DoesNotContain(subscription.ToString(), list, StringComparison.Ordinal);
        await AssertProblemAsync(badEvents, HttpStatusCode.BadRequest, "validation_failed");
        using var badStatus = await owner.GetAsync(new Uri($"/v2/webhooks/{subscription}/deliveries?status=bogus", UriKind.Relative), Ct);
        await AssertProblemAsync(badStatus, HttpStatusCode.BadRequest, "validation_failed");
        using var still = await owner.GetAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Assert.True((await still.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("enabled").GetBoolean());
        await owner.DeleteAsync(new Uri($"/v2/webhooks/{subscription}", UriKind.Relative), Ct);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    private static bool Of(JsonElement delivery, Guid conversation) => delivery.GetProperty("conversationId").GetGuid() == conversation;

    private static async Task<JsonElement> WaitForDeliveryAsync(HttpClient api, Guid subscription, Func<JsonElement, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var log = await (await api.GetAsync(new Uri($"/v2/webhooks/{subscription}/deliveries", UriKind.Relative), Ct)).Content
                .ReadFromJsonAsync<JsonElement>(Ct);
            var match = log.GetProperty("deliveries").EnumerateArray().FirstOrDefault(done);
            if (match.ValueKind == JsonValueKind.Object)
            {
                return match;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching delivery in {seconds} s: {log}");
            }
            await Task.Delay(200, Ct);
        }
    }
}
