using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace OmniChat.AdminPortal.Security;

/// <summary>Sets a new circuit's tenant from its (already transformed) principal before any of its components render.</summary>
internal sealed class PortalCircuitHandler(AuthenticationStateProvider authentication, PortalSession session) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken) =>
        session.EnsureAsync(authentication, cancellationToken);
}
