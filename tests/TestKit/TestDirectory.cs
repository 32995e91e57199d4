namespace OmniChat.TestKit;

/// <summary>
/// A throwaway data directory. Mode 0755 so that, when tests run as root, the <c>postgres</c> user can reach the
/// PostgreSQL data inside it.
/// </summary>
public sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("omnichat-test-").FullName;
        File.SetUnixFileMode(Path,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be flushing a file; the OS cleans temp space eventually.
        }
    }
}
