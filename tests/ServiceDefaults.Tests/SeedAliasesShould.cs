using Microsoft.Extensions.Configuration;
using OmniChat.Core.Messaging;

namespace OmniChat.ServiceDefaults.Tests;

public sealed class SeedAliasesShould
{
    private static Dictionary<string, string?> Map(params (string Key, string Value)[] settings) =>
        SeedAliases.Map(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void TurnDatabaseUrlIntoTheAspireConnectionString()
    {
        var mapped = Map(("DATABASE_URL", "postgres://app:s%40cret@db.internal:6543/omnichat?sslmode=require"));

        Assert.Equal("Host=db.internal;Port=6543;Username=app;Password=s@cret;Database=omnichat;SSL Mode=require",
            mapped["ConnectionStrings:postgres"]);
    }

    [Fact]
    public void QuoteAPasswordThatLooksLikeMoreKeywords()
    {
        var mapped = Map(("DATABASE_URL", "postgres://app:a%3BDatabase%3Dother@db/omnichat"));

        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = mapped["ConnectionStrings:postgres"] };
        Assert.Equal("a;Database=other", parsed["Password"]);
        Assert.Equal("omnichat", parsed["Database"]);
    }

    [Fact]
    public void TurnRedisUrlIntoAStackExchangeConfiguration()
    {
        var mapped = Map(("REDIS_URL", "rediss://:pw@cache:6380/2"));

        Assert.Equal("cache:6380,password=pw,defaultDatabase=2,ssl=true", mapped["ConnectionStrings:redis"]);
    }

    [Fact]
    public void BindPortToLoopbackUnlessBindHostSaysOtherwise()
    {
        Assert.Equal("http://127.0.0.1:8080", Map(("PORT", "8080"))["urls"]);
        Assert.Equal("http://0.0.0.0:8080", Map(("PORT", "8080"), ("BIND_HOST", "0.0.0.0"))["urls"]);
        Assert.Equal("http://[::]:8080", Map(("PORT", "8080"), ("BIND_HOST", "::"))["urls"]);
    }

    [Fact]
    public void MapSecretsAndLogLevel()
    {
        var mapped = Map(("CONVERSATION_JWT_SECRET", "jwt"), ("SERVICE_TOKEN", "svc"), ("LOG_LEVEL", "Debug"));

        Assert.Equal("jwt", mapped["Security:ConversationJwtSecret"]);
        Assert.Equal("svc", mapped["Security:ServiceToken"]);
        Assert.Equal("Debug", mapped["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void LetAnAspireStyleSettingWinOverItsAlias()
    {
        var mapped = Map(("DATABASE_URL", "postgres://x@y/z"), ("ConnectionStrings:postgres", "Host=given"), ("PORT", "1"), ("urls", "http://given"));

        Assert.False(mapped.ContainsKey("ConnectionStrings:postgres"));
        Assert.False(mapped.ContainsKey("urls"));
    }

    [Fact]
    public void LeaveAKeywordConnectionStringAsItIs()
    {
        Assert.Equal("Host=a;Database=b", SeedAliases.PostgresUrlToConnectionString("Host=a;Database=b"));
    }

    [Fact]
    public void ReadEveryPartOfAnAmqpUri()
    {
        var amqp = AmqpAddress.Parse("amqp://omni:p%2Fw@127.0.0.1:55672/tenant-vhost");
        var defaults = AmqpAddress.Parse("amqp://broker");

        Assert.Equal(new AmqpAddress("127.0.0.1", 55672, "tenant-vhost", "omni", "p/w"), amqp);
        Assert.Equal(new AmqpAddress("broker", 5672, "/", "guest", "guest"), defaults);
        Assert.Throws<FormatException>(() => AmqpAddress.Parse("http://nope"));
    }
}
