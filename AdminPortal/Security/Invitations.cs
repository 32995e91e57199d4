using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Core.Audit;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.AdminPortal.Security;

/// <summary>Who to invite into a workspace, and as what.</summary>
public sealed record InvitationRequest(string Email, string? DisplayName, MembershipRole Role, bool CanManageSupportChats);

/// <summary>An invitation made: the member, and the one-time link that was mailed (set a password, or sign in).</summary>
public sealed record Invitation(Guid UserId, Guid MembershipId, string AgentName, bool NewUser, string Link);

/// <summary>An invitation that cannot be made, with a message for the person who asked.</summary>
public sealed class InvitationException(string message) : Exception(message);

/// <summary>
/// Invites a person into a tenant: the user (created without a password when new), an active membership with a unique
/// agent name, an audit entry, and a mail with a one-time link to set a password (Identity's reset token, 3 days) or,
/// for someone who already has an account, to sign in. Used by a tenant admin (team page, tenant-scoped context) and by
/// the operator creating a tenant with its first admin (system-scope context).
/// </summary>
public sealed class Invitations(UserManager<User> users, AccountMail mail, IOptions<PortalUrlOptions> urls, TimeProvider time)
{
    private static readonly EmailAddressAttribute EmailRule = new();

    /// <summary>Whether <paramref name="email"/> is an address an invitation can go to (the rule <see cref="InviteAsync"/> applies).</summary>
    public static bool IsEmail(string? email) => email is { Length: > 0 and <= 256 } && EmailRule.IsValid(email);

    public async Task<Invitation> InviteAsync(OmniChatDbContext db, TenantInfo tenant, InvitationRequest request, AuditActor actor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var email = request.Email?.Trim() ?? "";
        if (!IsEmail(email))
        {
            throw new InvitationException("Enter a valid email address.");
        }
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? email.Split('@')[0] : request.DisplayName.Trim();
        if (displayName.Length > Membership.MaxAgentNameLength || displayName.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvitationException($"The name can have at most {Membership.MaxAgentNameLength} characters.");
        }

        // The seat is taken under the tenant row's lock until the membership is saved; the mail goes after the commit.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await MemberSeats.EnsureFreeAsync(db, tenant.Id, cancellationToken);
        var now = time.GetUtcNow();
        var user = await users.FindByEmailAsync(email);
        var newUser = user is null;
        if (user is null)
        {
            user = new User { Id = Guid.CreateVersion7(now), UserName = email, Email = email, DisplayName = displayName, CreatedAt = now };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                throw new InvitationException(string.Join(" ", created.Errors.Select(e => e.Description)));
            }
        }
        if (await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.UserId == user.Id, cancellationToken))
        {
            throw new InvitationException($"{email} is already a member of this workspace.");
        }

        var membership = new Membership
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenant.Id,
            UserId = user.Id,
            Role = request.Role,
            CanManageSupportChats = request.CanManageSupportChats,
            AgentName = await AgentNames.FreeAsync(db, tenant.Id, user.DisplayName is { Length: > 0 } name ? name : displayName, cancellationToken),
            CreatedAt = now,
        };
        db.Memberships.Add(membership);
        var audit = AuditEntry.Create(actor, "member.invited", "membership", membership.Id.ToString(), now,
            new Dictionary<string, object?> { ["role"] = request.Role.ToString(), ["canManageSupportChats"] = request.CanManageSupportChats });
        audit.TenantId = tenant.Id;
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var link = await users.HasPasswordAsync(user)
            ? urls.Value.Link("account/sign-in")
            : await SetPasswordLinkAsync(user);
        await mail.SendInvitationAsync(user, tenant.Name, link, cancellationToken);
        return new Invitation(user.Id, membership.Id, membership.AgentName, newUser, link);
    }

    /// <summary>A one-time link to set (or reset) <paramref name="user"/>'s password, on the portal's public address.</summary>
    public async Task<string> SetPasswordLinkAsync(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var token = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
        return urls.Value.Link($"account/set-password?email={Uri.EscapeDataString(user.Email!)}&token={token}");
    }
}

/// <summary>Agent names are unique in a tenant, across portal members and Telegram agents (one namespace for claims).</summary>
public static class AgentNames
{
    /// <summary><paramref name="wanted"/>, or it with the first free suffix (" 2", " 3", …).</summary>
    public static async Task<string> FreeAsync(OmniChatDbContext db, Guid tenantId, string wanted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(wanted);
        var stem = wanted.Trim();
        stem = stem.Length > Membership.MaxAgentNameLength - 4 ? stem[..(Membership.MaxAgentNameLength - 4)] : stem;
        var taken = (await db.Memberships.Where(m => m.TenantId == tenantId && m.AgentName.StartsWith(stem)).Select(m => m.AgentName)
                .ToListAsync(cancellationToken))
            .Concat(await db.TelegramAgents.Where(a => a.TenantId == tenantId && a.Name.StartsWith(stem)).Select(a => a.Name).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var candidate = stem;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            candidate = $"{stem} {n}";
        }
        return candidate;
    }
}
