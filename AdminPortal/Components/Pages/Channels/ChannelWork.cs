using Microsoft.AspNetCore.Components.Authorization;
using OmniChat.AdminPortal.Security;

namespace OmniChat.AdminPortal.Components.Pages.Channels;

/// <summary>
/// Runs one piece of the channel cards' work in a scope of its own: its own DbContext (the two cards load at the same
/// time, and a Telegram call may take seconds), with the member's tenant and role read again from the database for it.
/// </summary>
public sealed class ChannelWork(IServiceScopeFactory scopes, AuthenticationStateProvider authentication)
{
    /// <summary>Runs <paramref name="work"/> with the services of a new scope whose tenant is the signed-in admin's.</summary>
    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var principal = (await authentication.GetAuthenticationStateAsync()).User;
        await using var scope = scopes.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<PortalSession>();
        await session.LoadAsync(principal, CancellationToken.None);
        session.RequireAdmin();
        return await work(scope.ServiceProvider);
    }

    /// <summary>Runs <paramref name="work"/> with the services of a new scope whose tenant is the signed-in admin's.</summary>
    public Task RunAsync(Func<IServiceProvider, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(async services =>
        {
            await work(services);
            return true;
        });
    }
}
