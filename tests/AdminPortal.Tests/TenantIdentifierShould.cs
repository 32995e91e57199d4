using OmniChat.AdminPortal.Operator;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Tests;

/// <summary>The identifier of a tenant the operator creates: suggested from its name, and validated before anything is written.</summary>
public sealed class TenantIdentifierShould
{
    [Theory]
    [InlineData("Acme Café GmbH", "acme-cafe-gmbh")]
    [InlineData("  3M  Company!! ", "m-company")]
    [InlineData("Über-Shop 24", "uber-shop-24")]
    [InlineData("---", "")]
    [InlineData(null, "")]
    public void BeSuggestedFromTheName(string? name, string expected) => Assert.Equal(expected, Slug.From(name));

    [Fact]
    public void BeSuggestedNoLongerThanTheLimit() =>
        Assert.Equal(TenantAdministration.MaxIdentifierLength, Slug.From(new string('a', 200)).Length);

    [Theory]
    [InlineData("acme")]
    [InlineData("acme-shop-2")]
    [InlineData("ab")]
    public void AcceptAValidSlug(string identifier) => Assert.DoesNotContain("identifier", TenantAdministration.Validate(identifier, "Acme").Keys);

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("Acme")]
    [InlineData("2shop")]
    [InlineData("shop-")]
    [InlineData("shop_two")]
    [InlineData("shop two")]
    public void RefuseAnInvalidSlugWithAMessage(string identifier) =>
        Assert.NotEmpty(TenantAdministration.Validate(identifier, "Acme")["identifier"][0]);

    [Fact]
    public void RefuseAMissingName() => Assert.Equal("Enter the tenant's name.", TenantAdministration.Validate("acme", " ")["name"][0]);
}
