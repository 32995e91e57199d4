namespace OmniChat.ServiceDefaults;

/// <summary>Meter and activity-source names collected by every service.</summary>
public static class TelemetryNames
{
    /// <summary>Meters exported on <c>/metrics</c> and over OTLP.</summary>
    public static readonly string[] Meters = ["OmniChat.*", "Npgsql", "MassTransit", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"];

    /// <summary>Activity sources traced.</summary>
    public static readonly string[] ActivitySources = ["OmniChat.*", "Npgsql", "MassTransit"];
}
