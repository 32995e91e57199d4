using System.Runtime.InteropServices;

namespace OmniChat.AppHost.Hosting;

/// <summary>The few POSIX calls .NET does not expose: sending a chosen signal, and who we are.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SignalNative(int signal, nint handler);

    /// <summary>
    /// Restores the default disposition of SIGINT. A shell starts background jobs with SIGINT ignored, and .NET then keeps
    /// it ignored; the AppHost is a supervisor that must still stop cleanly on SIGINT however it was started.
    /// </summary>
    public static void RestoreSigIntDefault() => SignalNative(SigInt, 0);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    /// <summary>Sends <paramref name="signal"/> to a process (or, with a negative pid, to a process group).</summary>
    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>True when the process or group exists (signal 0 probes without delivering).</summary>
    public static bool Exists(int pid) => KillNative(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM: exists */;

    public static bool IsRoot => GetEffectiveUserId() == 0;
}
