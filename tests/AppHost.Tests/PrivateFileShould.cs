using OmniChat.AppHost.Hosting;
using OmniChat.TestKit;

namespace OmniChat.AppHost.Tests;

/// <summary>Files holding secrets (server passwords, <c>secrets</c>, <c>credentials.json</c>) are the owner's alone from the start.</summary>
public sealed class PrivateFileShould : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Wider = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplaceAFileLeftWithAWiderModeInsteadOfRewritingIt()
    {
        var path = Path.Combine(_directory.Path, "server.conf");
        await File.WriteAllTextAsync(path, "old", Ct);
        File.SetUnixFileMode(path, Wider);

        await PrivateFile.WriteTextAsync(path, "requirepass secret\n", Ct);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal("requirepass secret\n", await File.ReadAllTextAsync(path, Ct));
        Assert.Equal(["server.conf"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task NeverWriteTheSecretThroughALinkLeftAtItsPath()
    {
        var readable = Path.Combine(_directory.Path, "world-readable.txt");
        await File.WriteAllTextAsync(readable, "public", Ct);
        File.SetUnixFileMode(readable, Wider);
        var path = Path.Combine(_directory.Path, "redis.conf");
        File.CreateSymbolicLink(path, readable);

        await PrivateFile.WriteTextAsync(path, "requirepass secret\n", Ct);

        Assert.Equal("public", await File.ReadAllTextAsync(readable, Ct));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }
}
