using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Components.Pages.Team;

/// <summary>A member as the team page shows them: the membership and Telegram links, and who the person is.</summary>
public sealed record TeamMemberRow(TeamMember Member, string Email, string DisplayName, bool InvitationPending)
{
    public Membership Membership => Member.Membership;

    public string Status => Membership.DisabledAt is not null ? "Deactivated" : InvitationPending ? "Invitation pending" : "Active";
}
