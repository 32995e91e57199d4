namespace OmniChat.ServiceDefaults.Tests;

public sealed class RequestIdShould
{
    [Theory]
    [InlineData("abc", true)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)]
    [InlineData("a.b:c_d-e", true)]
    [InlineData("", false)]
    [InlineData("with space", false)]
    [InlineData("new\nline", false)]
    [InlineData("<script>", false)]
    public void AcceptOnlyWellFormedIds(string value, bool expected) =>
        Assert.Equal(expected, RequestIdMiddleware.IsWellFormed(value));

    [Fact]
    public void RefuseIdsLongerThan128Characters() =>
        Assert.False(RequestIdMiddleware.IsWellFormed(new string('a', 129)));
}
