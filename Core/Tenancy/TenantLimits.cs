using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Tenancy;

/// <summary>The limits an operator changes for one tenant; null leaves a limit as it is. 0 means no limit.</summary>
public sealed record LimitOverrides(int? ConversationsPerMonth, int? MessagesPerMonth, int? Agents, int? ApiRequestsPerMinute, long? StorageBytes,
    long? AttachmentMaxBytes, int? SoftLimitPercent)
{
    /// <summary>The limits given, by their API name.</summary>
    public IEnumerable<(string Name, long Value)> Given()
    {
        (string, long?)[] all =
        [
            ("conversationsPerMonth", ConversationsPerMonth), ("messagesPerMonth", MessagesPerMonth), ("agents", Agents),
            ("apiRequestsPerMinute", ApiRequestsPerMinute), ("storageBytes", StorageBytes), ("attachmentMaxBytes", AttachmentMaxBytes),
            ("softLimitPercent", SoftLimitPercent),
        ];
        return all.Where(l => l.Item2 is not null).Select(l => (l.Item1, l.Item2!.Value));
    }

    /// <summary>The field errors, empty when the overrides are usable.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        void NotNegative(string name, long? value)
        {
            if (value < 0)
            {
                errors[name] = ["0 (no limit) or more."];
            }
        }
        NotNegative("conversationsPerMonth", ConversationsPerMonth);
        NotNegative("messagesPerMonth", MessagesPerMonth);
        NotNegative("agents", Agents);
        NotNegative("apiRequestsPerMinute", ApiRequestsPerMinute);
        NotNegative("storageBytes", StorageBytes);
        NotNegative("attachmentMaxBytes", AttachmentMaxBytes);
        if (SoftLimitPercent is < 1 or > 100)
        {
            errors["softLimitPercent"] = ["A share from 1 to 100."];
        }
        if (errors.Count == 0 && !Given().Any())
        {
            errors["limits"] = ["Give at least one limit to change."];
        }
        return errors;
    }
}

/// <summary>
/// Per-tenant limits: an operator's override moves the tenant onto its own custom plan (<c>custom-&lt;tenant id&gt;</c>), a
/// copy of its current plan with the given limits changed, so every reader of limits (the start statement, the usage
/// meter, the rate limiter, uploads, the usage page) sees them without knowing about overrides. Plans are platform rows
/// the application role may only read: the change goes through the <c>set_tenant_limits</c> database function, which
/// checks that the tenant is the one of the current scope (row-level security). A later billing plan change replaces
/// the custom plan.
/// </summary>
public sealed class TenantLimits(OmniChatDbContext db, TimeProvider time)
{
    /// <summary>The audit action of a change.</summary>
    public const string ChangedAction = "tenant.limits_changed";

    /// <summary>Applies <paramref name="overrides"/> to <paramref name="tenant"/> (the current scope's tenant); returns its plan after.</summary>
    public Task<Plan> OverrideAsync(TenantInfo tenant, LimitOverrides overrides, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return ApplyAsync(db, tenant.Id, overrides, actor, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// The one implementation of an override, for the tenant's own scope (<see cref="OverrideAsync"/>) and for the
    /// operator console's system scope (<see cref="TenantAdministration.OverrideLimitsAsync"/>): validates, moves the tenant
    /// onto its custom plan and audits the change, in one transaction.
    /// </summary>
    internal static async Task<Plan> ApplyAsync(OmniChatDbContext db, Guid tenantId, LimitOverrides overrides, AuditActor actor, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(actor);
        ValidationException.ThrowIfAny(overrides.Validate());
        var changes = JsonSerializer.Serialize(overrides, CoreJson.Default.LimitOverrides);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var before = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.PlanId).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException("tenant_not_found", "No such tenant.");
            // The function changes only the scope's tenant; a system-role connection has none, so this transaction names it
            // (the same value a tenant's own connection carries already).
            await db.Database.ExecuteSqlAsync($"SELECT set_config({TenantSessionInterceptor.SettingName}, {tenantId.ToString()}, true)",
                cancellationToken);
            var planId = (await db.Database.SqlQuery<string>($"SELECT set_tenant_limits({tenantId}, {changes}::jsonb) AS \"Value\"")
                .ToListAsync(cancellationToken)).Single();
            var details = new Dictionary<string, object?> { ["from"] = before, ["to"] = planId };
            foreach (var (name, value) in overrides.Given())
            {
                details[name] = value;
            }
            db.AuditEntries.Add(AuditEntry.Create(actor, ChangedAction, "tenant", tenantId.ToString(), now, details, tenantId));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return await db.Plans.AsNoTracking().SingleAsync(p => p.Id == planId, cancellationToken);
        });
    }
}
