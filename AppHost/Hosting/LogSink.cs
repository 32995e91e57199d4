namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Where child output goes: each line into <c>logs/&lt;resource&gt;.log</c> and, when echoing, to the console prefixed
/// with its resource name in a stable colour.
/// </summary>
internal sealed class LogSink(string logDirectory, bool echo) : IDisposable
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkGreen, ConsoleColor.DarkYellow];

    private readonly Lock _console = new();
    private readonly Dictionary<string, StreamWriter> _files = [];
    private readonly Dictionary<string, ConsoleColor> _colors = [];

    public string LogDirectory { get; } = logDirectory;

    public string PathFor(string resource) => Path.Combine(LogDirectory, resource + ".log");

    public void Line(string resource, string line)
    {
        lock (_console)
        {
            if (!_files.TryGetValue(resource, out var file))
            {
                Directory.CreateDirectory(LogDirectory);
                // Each run starts a fresh log; the previous run's stays beside it as <resource>.previous.log.
                var path = PathFor(resource);
                if (File.Exists(path))
                {
                    File.Move(path, Path.Combine(LogDirectory, resource + ".previous.log"), overwrite: true);
                }
                file = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                _files[resource] = file;
                _colors[resource] = Palette[_colors.Count % Palette.Length];
            }
            file.WriteLine(line);
            if (echo)
            {
                var previous = Console.ForegroundColor;
                Console.ForegroundColor = _colors[resource];
                Console.Write($"{resource,-12}| ");
                Console.ForegroundColor = previous;
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>A message of the AppHost itself, always shown.</summary>
    public void Info(string message, ConsoleColor? color = null)
    {
        lock (_console)
        {
            var previous = Console.ForegroundColor;
            if (color is { } c)
            {
                Console.ForegroundColor = c;
            }
            Console.WriteLine(message);
            Console.ForegroundColor = previous;
        }
    }

    /// <summary>The last <paramref name="count"/> lines of a resource's log, for crash reports.</summary>
    public IReadOnlyList<string> Tail(string resource, int count)
    {
        lock (_console)
        {
            var path = PathFor(resource);
            if (!File.Exists(path))
            {
                return [];
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = new Queue<string>();
            while (reader.ReadLine() is { } line)
            {
                lines.Enqueue(line);
                if (lines.Count > count)
                {
                    lines.Dequeue();
                }
            }
            return [.. lines];
        }
    }

    public void Dispose()
    {
        lock (_console)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }
            _files.Clear();
        }
    }
}
