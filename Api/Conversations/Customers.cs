using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core.Customers;
using OmniChat.Core.Persistence;

namespace OmniChat.Api.Conversations;

/// <summary>Customers an integrator refers to by its own id (a <see cref="IdentityKind.Connector"/> identity).</summary>
internal static class Customers
{
    public static async Task<Guid> FindOrCreateAsync(OmniChatDbContext db, string externalId, string? displayName, string? locale,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, externalId, cancellationToken) is { } existing)
        {
            return existing;
        }
        var now = time.GetUtcNow();
        var customer = new Customer { Id = Guid.CreateVersion7(now), DisplayName = displayName, Locale = locale, CreatedAt = now, UpdatedAt = now };
        customer.Identities.Add(new CustomerIdentity
        {
            Id = Guid.CreateVersion7(now),
            Kind = IdentityKind.Connector,
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
            return await FindAsync(db, externalId, cancellationToken) ?? throw new InvalidOperationException("Customer vanished after a conflict.");
        }
    }

    private static Task<Guid?> FindAsync(OmniChatDbContext db, string externalId, CancellationToken cancellationToken) =>
        db.CustomerIdentities.AsNoTracking()
            .Where(i => i.Kind == IdentityKind.Connector && i.ExternalId == externalId)
            .Select(i => (Guid?)i.CustomerId)
            .SingleOrDefaultAsync(cancellationToken);
}
