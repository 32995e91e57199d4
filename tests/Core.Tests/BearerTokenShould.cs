using OmniChat.Core.Security;

namespace OmniChat.Core.Tests;

/// <summary>One reading of <c>Authorization: Bearer …</c> for the Api, the Workers and the operator endpoints.</summary>
public sealed class BearerTokenShould
{
    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer abc", "abc")]
    [InlineData("BEARER  abc ", "abc")]
    [InlineData("Bearer ock_live_x.y", "ock_live_x.y")]
    public void ReadTheTokenOfABearerHeader(string header, string expected) => Assert.Equal(expected, BearerToken.From(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer    ")]
    [InlineData("Basic YWxhZGRpbjpvcGVuc2VzYW1l")]
    [InlineData("Bearerabc")]
    public void FindNoTokenInAnythingElse(string? header) => Assert.Null(BearerToken.From(header));
}
