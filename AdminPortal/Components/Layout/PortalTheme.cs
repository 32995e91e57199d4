using MudBlazor;

namespace OmniChat.AdminPortal.Components.Layout;

/// <summary>
/// The portal's theme: MudBlazor's defaults, with the light palette's status colours darkened so text in them (error
/// messages, helper text of a field in error, status labels) and white text on them (filled snackbars, which MudBlazor
/// lightens a little) meet WCAG AA contrast (4.5:1).
/// </summary>
internal static class PortalTheme
{
    public static MudTheme Value { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Error = "#b71c1c",
            Success = "#1b5e20",
            Warning = "#8c4400",
            Info = "#01579b",
        },
    };
}
