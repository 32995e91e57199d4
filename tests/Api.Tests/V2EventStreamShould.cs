using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core;
using OmniChat.Core.Contracts;
using OmniChat.Core.Persistence;
using OmniChat.TestKit;
using OmniChat.TestKit.Contract;

namespace OmniChat.Api.Tests;

/// <summary><c>GET /v2/events</c>: the tenant's events over SSE, resumable with Last-Event-ID.</summary>
public sealed class V2EventStreamShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record SseEvent(string Id, string Type, JsonElement Data);

    /// <summary>
    /// Reads events from an open stream until <paramref name="done"/> holds (or 20 s pass). Every event's data is held to
    /// its schema in the document (x-omnichat-events.serverSentEvents): a violation fails the test.
    /// </summary>
    private async Task<List<SseEvent>> ReadUntilAsync(StreamReader reader, Func<List<SseEvent>, bool> done)
    {
        var contract = await api.Contract.GetAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var events = new List<SseEvent>();
        string? id = null, type = null, data = null;
        while (!done(events))
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.Length == 0)
            {
                if (id is not null && type is not null && data is not null)
                {
                    if (contract.CheckServerSentEvent(type, data) is { Count: > 0 } violations)
                    {
                        throw new OpenApiContractViolationException(violations, data);
                    }
                    events.Add(new SseEvent(id, type, JsonDocument.Parse(data).RootElement));
                }
                (id, type, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        return events;
    }

    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(HttpClient client, string? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/events");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        response.EnsureSuccessStatusCode();
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync(Ct)));
    }

    private static IEnumerable<long> SeqsOf(IEnumerable<SseEvent> events, Guid conversation) => events
        .Where(e => e.Type == "message.added" && e.Data.GetProperty("conversationId").GetGuid() == conversation)
        .Select(e => e.Data.GetProperty("seq").GetInt64());

    [Fact]
    public async Task ResumeAfterTheLastEventIdWithoutGapOrDuplicate()
    {
        using var admin = api.CreateClient(api.DemoTenant.ApiKey);
        using var started = await admin.PostAsJsonAsync("/v2/conversations", new { name = "streamed" }, Ct);
        var id = (await started.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
        (await admin.PostAsJsonAsync($"/v2/conversations/{id}/claim", new { agent = "ann" }, Ct)).EnsureSuccessStatusCode();
        using var stream = Streaming(admin);

        var (first, firstReader) = await OpenAsync(stream, null);
        for (var i = 1; i <= 3; i++)
        {
            (await admin.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "ann", text = $"live {i}" }, Ct)).Dispose();
        }
        // The claim took seq 1; the replies follow it.
        var live = await ReadUntilAsync(firstReader, events => SeqsOf(events, id).Count() == 3);
        first.Dispose();
        firstReader.Dispose();

        for (var i = 4; i <= 10; i++)
        {
            (await admin.PostAsJsonAsync($"/v2/conversations/{id}/messages", new { agent = "ann", text = $"missed {i}" }, Ct)).Dispose();
        }
        var (second, secondReader) = await OpenAsync(stream, live[^1].Id);
        var resumed = await ReadUntilAsync(secondReader, events => SeqsOf(events, id).Contains(11));
        second.Dispose();
        secondReader.Dispose();

        Assert.Contains(live, e => e.Type == "conversation.started" && e.Data.GetProperty("conversationId").GetGuid() == id);
        Assert.Equal([2L, 3L, 4L], SeqsOf(live, id));
        Assert.Equal([5L, 6L, 7L, 8L, 9L, 10L, 11L], SeqsOf(resumed, id));
        Assert.Equal(resumed.Count, resumed.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task CarryOnlyTheKeysOwnTenantsEvents()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var stream = Streaming(demo);
        var (defaultConversation, token, _) = await api.StartV1ConversationAsync("other tenant");
        using (var visitor = api.CreateClient(token))
        {
            (await visitor.PostAsJsonAsync($"/v1/conversations/{defaultConversation}/messages", new { text = "not for demo" }, Ct)).Dispose();
        }
        using var marker = await demo.PostAsJsonAsync("/v2/conversations", new { name = "marker" }, Ct);
        var markerId = (await marker.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();

        var (response, reader) = await OpenAsync(stream, null);
        var events = await ReadUntilAsync(reader, es => es.Any(e => e.Data.GetProperty("conversationId").GetGuid() == markerId));
        response.Dispose();
        reader.Dispose();

        Assert.All(events, e => Assert.Equal(api.DemoTenant.Id, e.Data.GetProperty("tenantId").GetGuid()));
        Assert.DoesNotContain(events, e => e.Data.GetProperty("conversationId").GetGuid() == defaultConversation);
    }

    [Fact]
    public async Task DeliverEveryTenantsEventsWhileATransactionIsHeldOpenAndItsOwnEventOnceWhenItCommits()
    {
        using var demo = api.CreateClient(api.DemoTenant.ApiKey);
        using var defaultAdmin = api.CreateClient(api.DefaultTenant.ApiKey);
        using var demoStream = Streaming(demo);
        using var defaultStream = Streaming(defaultAdmin);
        var held = await StartConversationAsync(defaultAdmin, "held");
        var (demoResponse, demoReader) = await OpenAsync(demoStream, null);
        var (defaultResponse, defaultReader) = await OpenAsync(defaultStream, null);
        await ReadUntilAsync(defaultReader, es => es.Any(e => e.Type == "conversation.started" && ConversationOf(e) == held));

        // A transaction holding a transaction id and an event of its own, left open as a slow request or a stuck job would.
        // The old reader took only rows older than the oldest transaction running anywhere: every stream stalled here.
        await using var blocker = new NpgsqlConnection(api.App.Database.App);
        await blocker.OpenAsync(Ct);
        await using var open = await blocker.BeginTransactionAsync(Ct);
        var heldEvent = new ConversationRenamed(Guid.CreateVersion7(), api.DefaultTenant.Id, held, DateTimeOffset.UtcNow, "held", 2);
        await using (var write = new NpgsqlBatch(blocker, open))
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand(TenantBatches.SetTenantSql) { Parameters = { TenantBatches.TenantParameter(api.DefaultTenant.Id) } });
            write.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO outbox_messages (id, tenant_id, message_type, payload, partition_key, created_at, available_at, attempts, sent_at)
                VALUES ($1, $2, 'ConversationRenamed', $4, $3, now(), now(), 0, now())
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = heldEvent.EventId },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = api.DefaultTenant.Id },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = held },
                    // The contract as the write path stores it, so the stream sends what it would send for a real rename.
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(heldEvent, CoreJson.Default.ConversationRenamed) },
                },
            });
            await write.ExecuteNonQueryAsync(Ct);
        }

        // Both tenants' new events arrive while it stays open (a regression hangs here until ReadUntilAsync gives up).
        var demoMarker = await StartConversationAsync(demo, "while held");
        var before = await StartConversationAsync(defaultAdmin, "before commit");
        var demoEvents = await ReadUntilAsync(demoReader, es => es.Any(e => ConversationOf(e) == demoMarker));
        var defaultBefore = await ReadUntilAsync(defaultReader, es => es.Any(e => ConversationOf(e) == before));
        await open.CommitAsync(Ct);
        var after = await StartConversationAsync(defaultAdmin, "after commit");
        var defaultAfter = await ReadUntilAsync(defaultReader, es => es.Any(e => ConversationOf(e) == after));
        demoResponse.Dispose();
        demoReader.Dispose();
        defaultResponse.Dispose();
        defaultReader.Dispose();

        Assert.Contains(demoEvents, e => e.Type == "conversation.started" && ConversationOf(e) == demoMarker);
        Assert.DoesNotContain(defaultBefore, e => e.Type == "conversation.renamed" && ConversationOf(e) == held);
        // Once committed, the held event comes exactly once, after what committed before it and before what came after.
        Assert.Equal(["conversation.renamed", "conversation.started"],
            defaultAfter.Where(e => ConversationOf(e) == held || ConversationOf(e) == after).Select(e => e.Type));
    }

    [Fact]
    public async Task RefuseMoreStreamsThanTheApiKeyMayHoldAndGiveTheSlotBackWhenOneCloses()
    {
        var key = await api.CreateApiKeyAsync(api.DemoTenant.Id, "conversations:read", "conversations:write");
        using var client = api.CreateClient(key);
        using var stream = Streaming(client);
        var open = new List<(HttpResponseMessage Response, StreamReader Reader)>();
        try
        {
            for (var i = 0; i < ApiFixture.MaxStreamsPerApiKey; i++)
            {
                open.Add(await OpenAsync(stream, null));
            }
            using (var refused = await stream.GetAsync("/v2/events", HttpCompletionOption.ResponseHeadersRead, Ct))
            {
                await refused.AssertProblemAsync(429, "too_many_streams");
            }

            open[0].Response.Dispose();
            open[0].Reader.Dispose();
            open.RemoveAt(0);
            // HttpClient reads on from a disposed response for up to 2 s (to reuse the connection), then drops it; the
            // server sees that at its next write: wake the streams with an event until the slot is back.
            HttpResponseMessage? reopened = null;
            await Eventually.HoldsAsync(async () =>
            {
                await StartConversationAsync(client, "wake the streams");
                var candidate = await stream.GetAsync("/v2/events", HttpCompletionOption.ResponseHeadersRead, Ct);
                if (candidate.IsSuccessStatusCode)
                {
                    reopened = candidate;
                    return true;
                }
                await candidate.AssertProblemAsync(429, "too_many_streams");
                candidate.Dispose();
                return false;
            }, "a closed stream gives its slot back");
            reopened!.Dispose();
        }
        finally
        {
            foreach (var (response, reader) in open)
            {
                response.Dispose();
                reader.Dispose();
            }
        }
    }

    private static HttpClient Streaming(HttpClient client)
    {
        var stream = new HttpClient { BaseAddress = client.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        stream.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        return stream;
    }

    private static Guid? ConversationOf(SseEvent e) =>
        e.Data.TryGetProperty("conversationId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : null;

    private static async Task<Guid> StartConversationAsync(HttpClient client, string name)
    {
        using var started = await client.PostAsJsonAsync("/v2/conversations", new { name }, Ct);
        started.EnsureSuccessStatusCode();
        return (await started.JsonAsync()).GetProperty("conversation").GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task RefuseACursorItNeverSent()
    {
        using var client = api.CreateClient(api.DemoTenant.ApiKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/events");
        request.Headers.Add("Last-Event-ID", "made-up");

        using var response = await client.SendAsync(request, Ct);

        await response.AssertProblemAsync(400, "validation_failed");
    }
}
