using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Identity;

/// <summary>Logins made outside the portal's own flows (the AppHost's seeder, a deployment's first operator).</summary>
public static class UserAccounts
{
    /// <summary>
    /// The user with <paramref name="email"/>, or a new one added to <paramref name="db"/> (email confirmed, lockout on, no
    /// password) as the portal's <c>UserManager</c> would make it; the caller saves. An existing user is returned as it is.
    /// </summary>
    public static async Task<(User User, bool Created)> FindOrCreateAsync(SystemDbContext db, string email, string displayName, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(email);
        // Identity's default normalizer (UpperInvariantLookupNormalizer), so the portal's sign-in finds the same row.
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is not null)
        {
            return (user, false);
        }
        user = new User
        {
            Id = Guid.CreateVersion7(),
            UserName = email,
            NormalizedUserName = normalized,
            Email = email,
            NormalizedEmail = normalized,
            EmailConfirmed = true,
            LockoutEnabled = true,
            DisplayName = displayName,
            SecurityStamp = Guid.NewGuid().ToString("N"),
            ConcurrencyStamp = Guid.NewGuid().ToString("N"),
            CreatedAt = now,
        };
        db.Users.Add(user);
        return (user, true);
    }
}
