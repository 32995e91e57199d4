using System.Globalization;

namespace OmniChat.AppHost.Hosting;

/// <summary>Reads <c>/proc</c>: process groups and command lines, to find our own leftovers after a crash.</summary>
public static class ProcessTable
{
    /// <summary>Pids whose process group is <paramref name="pgid"/>.</summary>
    public static IReadOnlyList<int> GroupMembers(int pgid)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            if (ProcessGroupOf(pid) == pgid)
            {
                members.Add(pid);
            }
        }
        return members;
    }

    /// <summary>The process group of <paramref name="pid"/>, or -1 when it is gone.</summary>
    public static int ProcessGroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid pgrp ..." — comm may contain spaces, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Whether <paramref name="pid"/> carries <paramref name="marker"/> (a data directory or program path) in its command
    /// line or as its working directory (Redis rewrites its process title, but keeps its data directory as cwd).
    /// </summary>
    public static bool Carries(int pid, string marker)
    {
        if (CommandLine(pid).Contains(marker, StringComparison.Ordinal))
        {
            return true;
        }
        try
        {
            return new FileInfo($"/proc/{pid}/cwd").LinkTarget is { } cwd && cwd.StartsWith(marker, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The command line of <paramref name="pid"/> with arguments joined by spaces, or empty when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
