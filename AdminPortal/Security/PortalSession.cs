using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using OmniChat.Core.Audit;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// Who is signed in and in which tenant, for one request or one circuit (scoped). Loading it sets the scope's
/// <see cref="ITenantContext"/> from the membership the database holds, so every query a page makes is the member's
/// tenant's. Pages never pick a tenant themselves, and the system role is never used for a tenant page.
/// </summary>
public sealed class PortalSession(MembershipDirectory directory, ITenantContext tenants)
{
    private bool _loaded;

    /// <summary>The signed-in user, once loaded.</summary>
    public Guid? UserId { get; private set; }

    /// <summary>The active membership of the tenant the user chose, or <see langword="null"/>.</summary>
    public PortalMembership? Membership { get; private set; }

    /// <summary>The membership, or <see cref="PortalAccessDeniedException"/> (a page without a tenant).</summary>
    public PortalMembership RequireMembership() => Membership ?? throw new PortalAccessDeniedException("No workspace is chosen.");

    /// <summary>The membership, when it may run the tenant (owner, admin); else <see cref="PortalAccessDeniedException"/>.</summary>
    public PortalMembership RequireAdmin() =>
        RequireMembership() is { IsAdmin: true } admin ? admin : throw new PortalAccessDeniedException("Only owners and admins may do this.");

    /// <summary>The membership, when it may claim and answer chats; else <see cref="PortalAccessDeniedException"/>.</summary>
    public PortalMembership RequireSupportAgent() =>
        RequireMembership() is { CanManageSupportChats: true } agent ? agent : throw new PortalAccessDeniedException("You may not answer support chats.");

    /// <summary>The audit actor of this member's actions: <c>user:&lt;id&gt;</c>.</summary>
    public AuditActor Actor => AuditActor.ForUser(UserId ?? throw new PortalAccessDeniedException("Not signed in."));

    /// <summary>Loads the session from <paramref name="principal"/> (once per scope) and sets the scope's tenant.</summary>
    public async Task<PortalMembership?> LoadAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (_loaded)
        {
            return Membership;
        }
        UserId = PortalClaims.UserIdOf(principal);
        if (UserId is { } userId && PortalClaims.TenantIdOf(principal) is { } tenantId)
        {
            Membership = await directory.FindAsync(userId, tenantId, cancellationToken);
            if (Membership is not null)
            {
                tenants.Use(Membership.Tenant);
            }
        }
        _loaded = true;
        return Membership;
    }

    /// <summary>Loads the session from the circuit's authentication state (a no-op once loaded).</summary>
    public async Task<PortalMembership?> EnsureAsync(AuthenticationStateProvider authentication, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        return _loaded ? Membership : await LoadAsync((await authentication.GetAuthenticationStateAsync()).User, cancellationToken);
    }
}

/// <summary>The signed-in member may not do what they asked (checked on the server for every action, not by hiding a button).</summary>
public sealed class PortalAccessDeniedException(string message) : Exception(message);
