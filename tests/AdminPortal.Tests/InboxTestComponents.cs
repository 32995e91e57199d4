using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace OmniChat.AdminPortal.Tests;

/// <summary>A clock that shows one moment (the components read the time through <see cref="TimeProvider"/>).</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

internal static class Components
{
    /// <summary>A bUnit context with MudBlazor's services, a loose JS runtime and the given clock.</summary>
    public static BunitContext NewContext(TimeProvider? time = null)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(time ?? TimeProvider.System);
        return context;
    }
}
