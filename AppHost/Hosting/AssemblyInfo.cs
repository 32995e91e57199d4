using System.Runtime.Versioning;

// The AppHost drives Linux servers through POSIX process groups and signals.
[assembly: SupportedOSPlatform("linux")]
