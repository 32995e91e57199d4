using MudBlazor;

namespace OmniChat.AdminPortal.Components.Layout;

/// <summary>
/// The portal's theme: MudBlazor's defaults, with the light palette's status colours darkened so text in them (error
/// messages, helper text of a field in error, status labels) meets WCAG AA contrast on white (4.5:1).
/// </summary>
internal static class PortalTheme
{
    public static MudTheme Value { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Error = "#c62828",
            Success = "#2e7d32",
            Warning = "#a84d00",
            Info = "#01579b",
        },
    };
}
