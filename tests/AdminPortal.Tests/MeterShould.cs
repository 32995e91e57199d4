using Bunit;
using OmniChat.AdminPortal.Components.Shared;

namespace OmniChat.AdminPortal.Tests;

/// <summary>A usage meter: "n of m" with a bar against a limit, "no limit" and no bar without one.</summary>
public sealed class MeterShould : IAsyncDisposable
{
    private readonly BunitContext _context = Components.NewContext();

    [Fact]
    public void ShowWhatIsUsedOfTheLimitWithABar()
    {
        var cut = _context.Render<Meter>(p => p.Add(m => m.Title, "Agents").Add(m => m.Used, 1).Add(m => m.Limit, 2));

        Assert.Equal("1 of 2", Normalized(cut.Find("[data-testid=meter-value]").TextContent));
        Assert.Single(cut.FindAll("[role=progressbar]"));
    }

    [Fact]
    public void SayNoLimitAndDrawNoBarWithoutALimit()
    {
        var cut = _context.Render<Meter>(p => p.Add(m => m.Title, "Attachment storage").Add(m => m.Used, 1536).Add(m => m.Limit, 0).Add(m => m.Bytes, true));

        Assert.Equal("1.5 KB · no limit", Normalized(cut.Find("[data-testid=meter-value]").TextContent));
        Assert.Empty(cut.FindAll("[role=progressbar]"));
    }

    private static string Normalized(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
