using System.Globalization;
using MudBlazor;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Operator;

/// <summary>How the operator console (and the tenant pages that show the same kinds of numbers) writes sizes, ages, limits and states for a person.</summary>
internal static class Display
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    /// <summary>1536 → "1.5 KB".</summary>
    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes.ToString("N0", CultureInfo.InvariantCulture)} B" : $"{value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} {Units[unit]}";
    }

    /// <summary>12345 → "12,345".</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A limit, where 0 or less means none.</summary>
    public static string Limit(long value) => value > 0 ? Count(value) : "No limit";

    /// <summary>A byte limit, where 0 or less means none.</summary>
    public static string ByteLimit(long value) => value > 0 ? Bytes(value) : "No limit";

    /// <summary>A duration as a person says it: "4 s", "3 min", "2 h 5 min".</summary>
    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 1 } => "under a second",
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min",
        { TotalDays: < 1 } => $"{(int)age.TotalHours} h {age.Minutes} min",
        _ => $"{(int)age.TotalDays} d {age.Hours} h",
    };

    /// <summary>A measured time to the second: "under 1 s", "12 s", "4 min 12 s", "2 h 5 min", "3 d 4 h"; "—" when there is none.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } value)
        {
            return "—";
        }
        var time = TimeSpan.FromSeconds(Math.Round(value));
        return time switch
        {
            { TotalSeconds: < 1 } => "under 1 s",
            { TotalMinutes: < 1 } => $"{time.Seconds} s",
            { TotalHours: < 1 } => time.Seconds == 0 ? $"{time.Minutes} min" : $"{time.Minutes} min {time.Seconds} s",
            { TotalDays: < 1 } => $"{time.Hours} h {time.Minutes} min",
            _ => $"{(int)time.TotalDays} d {time.Hours} h",
        };
    }

    /// <summary>A UTC time, to the minute.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A date.</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Share of a limit used, 0–100 (0 without a limit).</summary>
    public static double Percent(long used, long limit) => limit > 0 ? Math.Min(100, used * 100.0 / limit) : 0;

    public static string StatusText(TenantStatus status) => status == TenantStatus.Active ? "Active" : "Suspended";

    public static string StatusIcon(TenantStatus status) => status == TenantStatus.Active ? Icons.Material.Filled.CheckCircle : Icons.Material.Filled.Block;

    public static Color StatusColor(TenantStatus status) => status == TenantStatus.Active ? Color.Success : Color.Error;
}
