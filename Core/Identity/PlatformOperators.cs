using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Identity;

/// <summary>
/// Platform operator logins. A fresh deployment has none and the portal cannot make the first one, so the deployment's
/// database step (the Workers' <c>migrate</c> with <c>Operator__Email</c>) and the AppHost's seeder both come here. A login
/// made here has no password: its owner sets one with the portal's "Forgot password" link, mailed to that address.
/// </summary>
public static class PlatformOperators
{
    /// <summary>Whether <paramref name="email"/> is an address a login can have (what the portal's forms accept).</summary>
    public static bool IsValidEmail(string? email) =>
        !string.IsNullOrWhiteSpace(email) && email.Length <= 256 && new EmailAddressAttribute().IsValid(email) && email.Trim() == email;

    /// <summary>
    /// The user with <paramref name="email"/>, made a platform operator: created (email confirmed, no password) when no
    /// user has that address, given the <see cref="PlatformRoles.Operator"/> role (created too, the first time) when it
    /// lacks it. An existing user's password, name and memberships are left as they are. Changes are added to
    /// <paramref name="db"/>; the caller saves them.
    /// </summary>
    public static async Task<(User User, bool Created)> EnsureAsync(SystemDbContext db, string email, string displayName, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!IsValidEmail(email))
        {
            throw new ArgumentException("An operator's email must be an email address.", nameof(email));
        }

        var (user, created) = await UserAccounts.FindOrCreateAsync(db, email, displayName, now, cancellationToken);

        var roleName = PlatformRoles.Operator.ToUpperInvariant();
        var role = await db.Roles.FirstOrDefaultAsync(r => r.NormalizedName == roleName, cancellationToken);
        if (role is null)
        {
            role = new IdentityRole<Guid>(PlatformRoles.Operator) { Id = Guid.CreateVersion7(), NormalizedName = roleName };
            db.Roles.Add(role);
        }
        if (created || !await db.UserRoles.AnyAsync(ur => ur.UserId == user.Id && ur.RoleId == role.Id, cancellationToken))
        {
            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = user.Id, RoleId = role.Id });
        }
        return (user, created);
    }
}
