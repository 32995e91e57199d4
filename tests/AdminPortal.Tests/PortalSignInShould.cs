using OmniChat.AdminPortal.Security;

namespace OmniChat.AdminPortal.Tests;

/// <summary>Where the portal sends a person back after signing in: only to its own pages.</summary>
public sealed class PortalSignInShould
{
    [Theory]
    [InlineData("/admin/inbox?filter=mine", "/admin/inbox?filter=mine")]
    [InlineData("/operator", "/operator")]
    [InlineData("https://evil.example/phish", "/admin/inbox")]
    [InlineData("//evil.example/phish", "/admin/inbox")]
    [InlineData("/\\evil.example", "/admin/inbox")]
    [InlineData("/\t/evil.example", "/admin/inbox")]
    [InlineData("", "/admin/inbox")]
    [InlineData(null, "/admin/inbox")]
    public void ReturnOnlyToALocalPath(string? returnUrl, string expected) =>
        Assert.Equal(expected, PortalSignIn.LocalOr(returnUrl, "/admin/inbox"));
}
