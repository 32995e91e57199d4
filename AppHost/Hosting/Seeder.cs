using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Tenancy;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Seeds what a fresh platform needs to be tried at once: the <c>default</c> tenant (served by v1), a <c>demo</c> tenant,
/// an operator login, one admin login and one all-scopes API key per tenant. Idempotent: rows are kept across runs and
/// brought in line with the secrets file (so the credentials printed always work).
/// </summary>
internal static class Seeder
{
    public const string SeedKeyName = "AppHost all-scopes key";

    private static readonly (string Identifier, string Name)[] SeededTenants =
        [(Tenant.DefaultIdentifier, "Default"), ("demo", "Demo Company")];

    public static async Task<SeedResult> SeedAsync(DatabaseConnections connections, Secrets secrets, TimeProvider time,
        CancellationToken cancellationToken)
    {
        await using var dataSource = PersistenceExtensions.BuildDataSource(connections.System);
        await using var db = SystemDbContextFactory.Over(dataSource).Create("AppHost seeding");
        var now = time.GetUtcNow();
        var hasher = new PasswordHasher<User>();

        var operatorEmail = "operator@omnichat.local";
        var (operatorUser, _) = await PlatformOperators.EnsureAsync(db, operatorEmail, "Platform operator", now, cancellationToken);
        SetPassword(hasher, operatorUser, secrets.OperatorPassword);

        var tenants = new List<CredentialTenant>();
        foreach (var (identifier, name) in SeededTenants)
        {
            var tenantSecrets = secrets.For(identifier);
            var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Identifier == identifier, cancellationToken);
            if (tenant is null)
            {
                tenant = new Tenant
                {
                    Id = Guid.CreateVersion7(),
                    Identifier = identifier,
                    Name = name,
                    PlanId = Plan.BusinessId,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.Tenants.Add(tenant);
            }

            var adminEmail = $"admin@{identifier}.omnichat.local";
            var admin = await UpsertUserAsync(db, hasher, adminEmail, $"{name} admin", tenantSecrets.AdminPassword, now, cancellationToken);
            if (!await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.UserId == admin.Id, cancellationToken))
            {
                db.Memberships.Add(new Membership
                {
                    Id = Guid.CreateVersion7(),
                    TenantId = tenant.Id,
                    UserId = admin.Id,
                    Role = MembershipRole.Owner,
                    CanManageSupportChats = true,
                    AgentName = admin.DisplayName,
                    CreatedAt = now,
                });
            }

            await UpsertSeedKeyAsync(db, tenant.Id, tenantSecrets.ApiKey, now, cancellationToken);
            tenants.Add(new CredentialTenant(identifier, tenant.Id, tenant.Name, tenantSecrets.ApiKey, new Login(adminEmail, tenantSecrets.AdminPassword)));
        }

        await db.SaveChangesAsync(cancellationToken);
        return new SeedResult(new Login(operatorEmail, secrets.OperatorPassword), tenants);
    }

    private static async Task<User> UpsertUserAsync(SystemDbContext db, PasswordHasher<User> hasher, string email, string displayName,
        string password, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (user, _) = await UserAccounts.FindOrCreateAsync(db, email, displayName, now, cancellationToken);
        SetPassword(hasher, user, password);
        return user;
    }

    // Brought in line with the secrets file, so the printed credentials always work.
    private static void SetPassword(PasswordHasher<User> hasher, User user, string password)
    {
        if (user.PasswordHash is null || hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            user.SecurityStamp = Guid.NewGuid().ToString("N");
        }
    }

    private static async Task UpsertSeedKeyAsync(SystemDbContext db, Guid tenantId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hash = ApiKeySecret.Hash(key);
        var seedKeys = await db.ApiKeys.Where(k => k.TenantId == tenantId && k.Name == SeedKeyName).ToListAsync(cancellationToken);
        foreach (var stale in seedKeys.Where(k => !k.Hash.AsSpan().SequenceEqual(hash) && k.RevokedAt is null))
        {
            stale.RevokedAt = now;
        }
        if (!seedKeys.Any(k => k.Hash.AsSpan().SequenceEqual(hash)))
        {
            db.ApiKeys.Add(new ApiKey
            {
                Id = Guid.CreateVersion7(),
                TenantId = tenantId,
                Name = SeedKeyName,
                Prefix = ApiKeySecret.Prefix(key),
                Hash = hash,
                Scopes = [.. ApiScopes.All],
                CreatedAt = now,
            });
        }
    }
}

/// <summary>The logins and keys seeding made (or confirmed).</summary>
public sealed record SeedResult(Login Operator, IReadOnlyList<CredentialTenant> Tenants);
