using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Persistence;
using OmniChat.Core.Usage;

namespace OmniChat.Core.Identity;

/// <summary>
/// The plan's <c>agents</c> limit: how many active members a workspace may have (0 = no limit). Checked whenever a member
/// would become active (an invitation, a reactivation), under a lock of the tenant's row, so two at once cannot both take
/// the last seat. Deactivating a member frees their seat.
/// </summary>
public static class MemberSeats
{
    /// <summary>The limit's name in <c>limit_exceeded</c> and <c>GET /v2/usage</c>.</summary>
    public const string LimitName = "agents";

    /// <summary>
    /// Throws <see cref="LimitExceededException"/> when the tenant has no free seat. Call it inside the transaction that
    /// activates the member: the tenant's row stays locked until it ends.
    /// </summary>
    public static async Task EnsureFreeAsync(OmniChatDbContext db, Guid tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var max = (await db.Database.SqlQuery<int>($"""
            SELECT p.agents AS "Value" FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id = {tenantId} FOR UPDATE OF t
            """).ToListAsync(cancellationToken)).SingleOrDefault();
        if (max <= 0)
        {
            return;
        }
        var used = await db.Memberships.CountAsync(m => m.TenantId == tenantId && m.DisabledAt == null, cancellationToken);
        if (used >= max)
        {
            throw new LimitExceededException(LimitName, used, max,
                $"Your plan allows {max} active members and {used} are active. Deactivate a member or move to a larger plan to add another.");
        }
    }
}
