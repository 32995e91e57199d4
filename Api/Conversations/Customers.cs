using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core.Customers;
using OmniChat.Core.Persistence;

namespace OmniChat.Api.Conversations;

/// <summary>
/// Customers known by someone else's id: an integrator's (<see cref="IdentityKind.Connector"/>) or a website's verified
/// user id (<see cref="IdentityKind.Web"/>, through the widget's identity check).
/// </summary>
internal static class Customers
{
    public static async Task<Guid> FindOrCreateAsync(OmniChatDbContext db, IdentityKind kind, string externalId, string? displayName,
        string? locale, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, kind, externalId, cancellationToken) is { } existing)
        {
            return existing;
        }
        var now = time.GetUtcNow();
        var customer = new Customer { Id = Guid.CreateVersion7(now), DisplayName = displayName, Locale = locale, CreatedAt = now, UpdatedAt = now };
        customer.Identities.Add(new CustomerIdentity
        {
            Id = Guid.CreateVersion7(now),
            Kind = kind,
            ExternalId = externalId,
            CreatedAt = now,
        });
        db.Customers.Add(customer);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return customer.Id;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Created concurrently by another request: use that one.
            db.ChangeTracker.Clear();
            return await FindAsync(db, kind, externalId, cancellationToken) ?? throw new InvalidOperationException("Customer vanished after a conflict.");
        }
    }

    private static Task<Guid?> FindAsync(OmniChatDbContext db, IdentityKind kind, string externalId, CancellationToken cancellationToken) =>
        db.CustomerIdentities.AsNoTracking()
            .Where(i => i.Kind == kind && i.ExternalId == externalId)
            .Select(i => (Guid?)i.CustomerId)
            .SingleOrDefaultAsync(cancellationToken);
}
