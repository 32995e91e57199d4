using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>The sandbox speaks the Bot API's HTTP contract (JSON, form and query parameters; Telegram's error shapes).</summary>
public sealed class TelegramSandboxShould(SandboxFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.SandboxUrl };
    private readonly string _token = $"{Random.Shared.NextInt64(10_000_000, 99_999_999)}:AAH{Guid.NewGuid():N}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _http.Dispose();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response) =>
        (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Ct));

    [Fact]
    public async Task AnswerGetMeAndTakeParametersAsJsonFormOrQuery()
    {
        var (status, me) = await ReadAsync(await _http.GetAsync($"/bot{_token}/getMe", Ct));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(me.GetProperty("ok").GetBoolean());
        Assert.True(me.GetProperty("result").GetProperty("is_bot").GetBoolean());
        Assert.Equal(long.Parse(_token.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture), me.GetProperty("result").GetProperty("id").GetInt64());

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["chat_id"] = "77", ["text"] = "as a form" });
        var (formStatus, viaForm) = await ReadAsync(await _http.PostAsync($"/bot{_token}/sendMessage", form, Ct));
        var (_, viaQuery) = await ReadAsync(await _http.GetAsync($"/bot{_token}/sendMessage?chat_id=78&text=as%20a%20query", Ct));
        Assert.Equal(HttpStatusCode.OK, formStatus);
        Assert.Equal("as a form", viaForm.GetProperty("result").GetProperty("text").GetString());
        Assert.Equal("private", viaForm.GetProperty("result").GetProperty("chat").GetProperty("type").GetString());
        Assert.Equal(78, viaQuery.GetProperty("result").GetProperty("chat").GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task AnswerErrorsTheWayTelegramDoes()
    {
        var (unauthorized, body) = await ReadAsync(await _http.GetAsync("/bot123:nope/getMe", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
        Assert.False(body.GetProperty("ok").GetBoolean());
        Assert.Equal(401, body.GetProperty("error_code").GetInt32());

        var (notFound, unknown) = await ReadAsync(await _http.GetAsync($"/bot{_token}/launchRockets", Ct));
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Equal("Not Found: method not found", unknown.GetProperty("description").GetString());

        var (empty, emptyText) = await ReadAsync(await _http.PostAsJsonAsync($"/bot{_token}/sendMessage", new { chat_id = 1, text = "" }, Ct));
        Assert.Equal(HttpStatusCode.BadRequest, empty);
        Assert.Equal("Bad Request: message text is empty", emptyText.GetProperty("description").GetString());

        var (_, topic) = await ReadAsync(await _http.PostAsJsonAsync($"/bot{_token}/createForumTopic", new { chat_id = -100, name = "Topic" }, Ct));
        var threadId = topic.GetProperty("result").GetProperty("message_thread_id").GetInt32();
        var (longName, renamed) = await ReadAsync(await _http.PostAsJsonAsync($"/bot{_token}/editForumTopic",
            new { chat_id = -100, message_thread_id = threadId, name = new string('n', 129) }, Ct));
        Assert.Equal(HttpStatusCode.BadRequest, longName);
        Assert.Equal("Bad Request: TOPIC_NAME_INVALID", renamed.GetProperty("description").GetString());

        using var broken = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        var (badJson, _) = await ReadAsync(await _http.PostAsync($"/bot{_token}/sendMessage", broken, Ct));
        Assert.Equal(HttpStatusCode.BadRequest, badJson);
    }

    [Fact]
    public async Task RefuseAFloodIntoOneChatWith429AndRetryAfter()
    {
        var answers = new List<(HttpStatusCode Status, JsonElement Body)>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await ReadAsync(await _http.PostAsJsonAsync($"/bot{_token}/sendMessage", new { chat_id = 31, text = $"m{i}" }, Ct)));
        }

        var refused = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused); // a private chat takes a short burst, then about one a second
        Assert.All(refused, a => Assert.True(a.Body.GetProperty("parameters").GetProperty("retry_after").GetInt32() >= 1));
        Assert.StartsWith("Too Many Requests: retry after", refused[0].Body.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectAnInvalidFaultWithAProblem()
    {
        using var response = await _http.PostAsJsonAsync("/sandbox/bots/1/faults", new { method = "sendMessage", errorCode = 200 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("validation_failed", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }
}
