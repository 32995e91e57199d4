using System.Net;
using System.Net.Http.Json;

namespace OmniChat.Api.Tests;

public sealed class RateLimitShould(ApiFixture api)
{
    [Fact]
    public async Task RefuseMessagesBeyondTheConversationLimitWithRetryAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, token, _) = await api.StartV1ConversationAsync();
        using var visitor = api.CreateClient(token);

        HttpResponseMessage? limited = null;
        var accepted = 0;
        for (var i = 0; i < 140 && limited is null; i++)
        {
            var response = await visitor.PostAsJsonAsync($"/v1/conversations/{id}/messages", new { text = $"flood {i}" }, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                accepted++;
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        await limited.AssertProblemAsync(429, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.InRange(accepted, 120, 139); // the bucket holds 120 and refills 2 a second while the loop runs
        Assert.Equal((long)accepted, await api.ScalarAsync<long>("SELECT count(*) FROM messages WHERE conversation_id = $1", id));
        limited.Dispose();
    }
}
