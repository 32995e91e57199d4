using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OmniChat.TelegramSandbox.Tests;

/// <summary>One test's bot in the sandbox: its Bot API calls and the control API, answers as JSON.</summary>
public sealed class Sandbox(SandboxFixture fixture) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = fixture.SandboxUrl };

    public long BotId { get; private set; }

    public string Token { get; private set; } = "";

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Http.Dispose();

    /// <summary>A bot of this test's own, made by the control API.</summary>
    public async Task<Sandbox> WithBotAsync()
    {
        var (status, bot) = await PostAsync("/sandbox/bots", new { username = "support_test_bot", firstName = "Support" });
        Assert.Equal(HttpStatusCode.Created, status);
        BotId = bot.GetProperty("botId").GetInt64();
        Token = bot.GetProperty("token").GetString()!;
        return this;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    /// <summary>A Bot API call with a JSON body; answers the status and the whole <c>{ok, result | description}</c>.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(string method, object? parameters = null) =>
        await ReadAsync(await Http.PostAsJsonAsync($"/bot{Token}/{method}", parameters ?? new { }, Ct));

    /// <summary>A Bot API call that must succeed; answers its <c>result</c>.</summary>
    public async Task<JsonElement> ResultAsync(string method, object? parameters = null)
    {
        var (status, body) = await CallAsync(method, parameters);
        Assert.True(status == HttpStatusCode.OK, $"{method}: {(int)status} {body}");
        return body.GetProperty("result");
    }

    /// <summary>A Bot API call that must fail; answers its status and <c>description</c>.</summary>
    public async Task<(int Code, string Description)> ErrorAsync(string method, object? parameters = null)
    {
        var (status, body) = await CallAsync(method, parameters);
        Assert.False(body.GetProperty("ok").GetBoolean(), $"{method} succeeded: {body}");
        Assert.Equal((int)status, body.GetProperty("error_code").GetInt32());
        return ((int)status, body.GetProperty("description").GetString()!);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body = null) =>
        await ReadAsync(await Http.PostAsJsonAsync(path, body ?? new { }, Ct));

    public async Task<JsonElement> GetAsync(string path) => (await ReadAsync(await Http.GetAsync(path, Ct))).Body;

    /// <summary>A control API call on this bot (<c>/sandbox/bots/{botId}/…</c>) that must succeed.</summary>
    public async Task<JsonElement> ActAsync(string path, object? body = null)
    {
        var (status, answer) = await PostAsync($"/sandbox/bots/{BotId}/{path}", body);
        Assert.True((int)status is >= 200 and < 300, $"{path}: {(int)status} {answer}");
        return answer;
    }

    /// <summary>A forum supergroup with the bot as an administrator that may manage topics.</summary>
    public async Task<long> GroupAsync(bool isForum = true, bool botIsAdmin = true, bool canManageTopics = true) =>
        (await ActAsync("groups", new { title = "Support", isForum, botIsAdmin, canManageTopics })).GetProperty("chatId").GetInt64();

    /// <summary>Everything pending for the bot, by getUpdates, confirming it (the bot has no webhook).</summary>
    public async Task<List<JsonElement>> TakeUpdatesAsync()
    {
        var updates = (await ResultAsync("getUpdates")).EnumerateArray().ToList();
        if (updates.Count > 0)
        {
            await ResultAsync("getUpdates", new { offset = updates[^1].GetProperty("update_id").GetInt32() + 1 });
        }
        return updates;
    }
}
