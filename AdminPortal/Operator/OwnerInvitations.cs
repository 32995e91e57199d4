using OmniChat.AdminPortal.Security;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Operator;

/// <summary>
/// The operator invites a tenant's owner (the first admin of a new tenant, or another one later): the shared
/// <see cref="Invitations"/> flow on the logged system scope, audited in that tenant's log as the operator.
/// </summary>
internal sealed class OwnerInvitations(SystemDbContextFactory factory, Invitations invitations, AccountMail mail)
{
    /// <summary>Whether the invitation links go to the portal's log instead of a mailbox (no SMTP host configured).</summary>
    public bool LinksGoToLog => mail.PrintsToLog;

    /// <summary>Whether <paramref name="email"/> is worth sending an invitation to.</summary>
    public static bool LooksLikeEmail(string? email) => Invitations.IsEmail(email);

    /// <summary>Invites <paramref name="email"/> as an owner (who may answer chats) of <paramref name="tenant"/>; <see cref="InvitationException"/> when it cannot.</summary>
    public async Task<Invitation> InviteOwnerAsync(PlatformOperator by, TenantInfo tenant, string email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(tenant);
        await using var db = factory.Create(by.Reason($"invite an owner into tenant {tenant.Identifier}"));
        return await invitations.InviteAsync(db, tenant, new InvitationRequest(email, null, MembershipRole.Owner, CanManageSupportChats: true),
            by.Actor, cancellationToken);
    }
}
