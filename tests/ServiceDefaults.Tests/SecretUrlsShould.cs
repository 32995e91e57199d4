namespace OmniChat.ServiceDefaults.Tests;

public sealed class SecretUrlsShould
{
    [Fact]
    public void HideABotTokenInTheBotApiPathAndDropTheQuery() =>
        Assert.Equal("https://api.telegram.org/bot123456:REDACTED/sendMessage",
            SecretUrls.Redact(new Uri("https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=1")));

    [Fact]
    public void LeaveOtherUrlsAsTheyAreWithoutTheirQuery() =>
        Assert.Equal("http://127.0.0.1:4012/v2/conversations/bot1",
            SecretUrls.Redact(new Uri("http://127.0.0.1:4012/v2/conversations/bot1?cursor=abc")));
}
