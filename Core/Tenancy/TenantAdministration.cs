using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;

namespace OmniChat.Core.Tenancy;

/// <summary>
/// The operator's tenant administration, across tenants: list and look up tenants with their usage, create a tenant,
/// suspend and resume it, change its plan. Every read opens the logged system scope with the operator named in the
/// reason; every change is audited in the affected tenant's log as the operator. A suspension reaches API keys at once
/// (their look-up is never cached) and tenant look-ups by identifier within <see cref="PostgresTenantStore"/>'s few seconds.
/// </summary>
public sealed partial class TenantAdministration(SystemDbContextFactory factory, TimeProvider time)
{
    /// <summary>Longest tenant identifier.</summary>
    public const int MaxIdentifierLength = 63;

    /// <summary>Longest tenant name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The most tenants one list returns.</summary>
    public const int MaxListed = 500;

    /// <summary>Tenants whose name or identifier contains <paramref name="search"/> (all when empty), by name, with usage counts.</summary>
    public async Task<IReadOnlyList<TenantSummary>> ListAsync(PlatformOperator by, string? search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason(string.IsNullOrWhiteSpace(search) ? "tenant list" : "tenant search"));
        var query = db.Tenants.AsNoTracking();
        if (NormalizeSearch(search) is { } text)
        {
            var pattern = LikePattern.Contains(text);
            query = query.Where(t => EF.Functions.ILike(t.Name, pattern, "\\") || EF.Functions.ILike(t.Identifier, pattern, "\\"));
        }
        var monthStart = TenantUsage.MonthStart(time.GetUtcNow());
        return await query
            .OrderBy(t => t.Name).ThenBy(t => t.Identifier)
            .Take(MaxListed)
            .Select(t => new TenantSummary(
                t.Id, t.Identifier, t.Name, t.PlanId,
                db.Plans.Where(p => p.Id == t.PlanId).Select(p => p.Name).FirstOrDefault() ?? t.PlanId,
                t.Status, t.CreatedAt,
                db.Conversations.Count(c => c.TenantId == t.Id),
                db.Conversations.Count(c => c.TenantId == t.Id && c.CreatedAt >= monthStart),
                db.Memberships.Count(m => m.TenantId == t.Id && m.DisabledAt == null)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>How many of a tenant's latest billing events <see cref="FindAsync"/> returns.</summary>
    public const int BillingEventsShown = 20;

    /// <summary>
    /// The tenant with <paramref name="identifier"/>, its plan, its usage (<see cref="TenantUsage.CountAsync"/>), its owners
    /// and admins and its latest billing events, or null (also for anything that is not a well-formed identifier, which no
    /// tenant has).
    /// </summary>
    public async Task<TenantDetails?> FindAsync(PlatformOperator by, string identifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(identifier);
        if (!IsIdentifier(identifier))
        {
            return null;
        }
        await using var db = factory.Create(by.Reason($"tenant {identifier}: details and usage"));
        var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Identifier == identifier, cancellationToken);
        if (tenant is null)
        {
            return null;
        }
        var plan = await db.Plans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == tenant.PlanId, cancellationToken);
        var id = tenant.Id;
        var usage = await TenantUsage.CountAsync(db, id, TenantUsage.MonthStart(time.GetUtcNow()), cancellationToken)
            ?? throw new InvalidOperationException($"Tenant {id} was found and is gone.");
        var admins = await db.Memberships.AsNoTracking()
            .Where(m => m.TenantId == id && (m.Role == MembershipRole.Owner || m.Role == MembershipRole.Admin))
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.Role, Email = u.Email ?? u.UserName ?? "", m.DisabledAt, m.CreatedAt })
            .OrderBy(a => a.Role).ThenBy(a => a.Email)
            .Select(a => new TenantAdmin(a.Email, a.Role, a.DisabledAt != null, a.CreatedAt))
            .ToListAsync(cancellationToken);
        var billing = await db.BillingEvents.AsNoTracking()
            .Where(e => e.TenantId == id)
            .OrderByDescending(e => e.ReceivedAt)
            .Take(BillingEventsShown)
            .Select(e => new TenantBillingEvent(e.Provider, e.EventId, e.Type, e.OccurredAt, e.ReceivedAt, e.Outcome))
            .ToListAsync(cancellationToken);
        return new TenantDetails(tenant, plan, usage, admins, billing);
    }

    /// <summary>Every plan with its limits, by name.</summary>
    public async Task<IReadOnlyList<Plan>> PlansAsync(PlatformOperator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason("plans"));
        return await db.Plans.AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken);
    }

    /// <summary>How many tenants are on each plan.</summary>
    public async Task<IReadOnlyDictionary<string, int>> TenantsPerPlanAsync(PlatformOperator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason("tenants per plan"));
        return await db.Tenants.AsNoTracking().GroupBy(t => t.PlanId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }

    /// <summary>
    /// Creates an active tenant; audited as <c>tenant.created</c> in its own log. Throws <see cref="ValidationException"/>
    /// (fields <c>identifier</c>, <c>name</c>, <c>planId</c>) for a malformed or taken identifier, a missing name or an unknown plan.
    /// </summary>
    public async Task<Tenant> CreateAsync(PlatformOperator by, NewTenant request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(request);
        var identifier = (request.Identifier ?? "").Trim();
        var name = (request.Name ?? "").Trim();
        var errors = Validate(identifier, name);
        await using var db = factory.Create(by.Reason($"create tenant {identifier}"));
        if (!IsPlanId(request.PlanId) || !await db.Plans.AnyAsync(p => p.Id == request.PlanId, cancellationToken))
        {
            errors["planId"] = ["Choose one of the plans."];
        }
        if (!errors.ContainsKey("identifier") && await db.Tenants.AnyAsync(t => t.Identifier == identifier, cancellationToken))
        {
            errors["identifier"] = [IdentifierTaken(identifier)];
        }
        ValidationException.ThrowIfAny(errors);

        var now = time.GetUtcNow();
        var tenant = new Tenant
        {
            Id = Guid.CreateVersion7(now),
            Identifier = identifier,
            Name = name,
            PlanId = request.PlanId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Tenants.Add(tenant);
        db.AuditEntries.Add(Audit(by.Actor, tenant.Id, "tenant.created", tenant.Id, now,
            new Dictionary<string, object?> { ["identifier"] = identifier, ["name"] = name, ["planId"] = request.PlanId }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["identifier"] = [IdentifierTaken(identifier)] });
        }
        return tenant;
    }

    /// <summary>
    /// Suspends the tenant: its API keys, widget and Telegram stop working, its data is kept. Audited as
    /// <c>tenant.suspended</c>; false when it was suspended already. <see cref="NotFoundException"/> for an unknown tenant.
    /// </summary>
    public Task<bool> SuspendAsync(PlatformOperator by, Guid tenantId, CancellationToken cancellationToken) =>
        SetStatusAsync(by, tenantId, TenantStatus.Suspended, "tenant.suspended", cancellationToken);

    /// <summary>Makes a suspended tenant active again; audited as <c>tenant.resumed</c>; false when it was active already.</summary>
    public Task<bool> ResumeAsync(PlatformOperator by, Guid tenantId, CancellationToken cancellationToken) =>
        SetStatusAsync(by, tenantId, TenantStatus.Active, "tenant.resumed", cancellationToken);

    /// <summary>
    /// Moves the tenant to <paramref name="planId"/>; audited as <c>tenant.plan_changed</c> with the old and new plan;
    /// false when it is on that plan already. <see cref="ValidationException"/> (<c>planId</c>) for an unknown plan.
    /// </summary>
    public async Task<bool> ChangePlanAsync(PlatformOperator by, Guid tenantId, string planId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason($"change the plan of tenant {tenantId} to {planId}"));
        var tenant = await FindForChangeAsync(db, tenantId, cancellationToken);
        if (!IsPlanId(planId) || !await db.Plans.AnyAsync(p => p.Id == planId, cancellationToken))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["planId"] = ["Choose one of the plans."] });
        }
        if (tenant.PlanId == planId)
        {
            return false;
        }
        var now = time.GetUtcNow();
        var previous = tenant.PlanId;
        tenant.PlanId = planId;
        tenant.UpdatedAt = now;
        db.AuditEntries.Add(Audit(by.Actor, tenant.Id, "tenant.plan_changed", tenant.Id, now,
            new Dictionary<string, object?> { ["from"] = previous, ["to"] = planId }));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Changes some of the tenant's limits (<see cref="TenantLimits"/>: the tenant moves onto its own custom plan, audited as
    /// <c>tenant.limits_changed</c>); returns its plan after. <see cref="ValidationException"/> for unusable limits.
    /// </summary>
    public async Task<Plan> OverrideLimitsAsync(PlatformOperator by, Guid tenantId, LimitOverrides overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason($"change the limits of tenant {tenantId}"));
        return await TenantLimits.ApplyAsync(db, tenantId, overrides, by.Actor, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>The problems of a new tenant's identifier and name, by field (empty when both are fine).</summary>
    public static Dictionary<string, string[]> Validate(string? identifier, string? name)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(identifier))
        {
            errors["identifier"] = ["Enter an identifier."];
        }
        else if (!IsIdentifier(identifier))
        {
            errors["identifier"] = [$"Use 2 to {MaxIdentifierLength} lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."];
        }
        if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["Enter the tenant's name."];
        }
        else if (name.Length > MaxNameLength)
        {
            errors["name"] = [$"Use at most {MaxNameLength} characters."];
        }
        else if (name.Contains('\0', StringComparison.Ordinal))
        {
            errors["name"] = ["The name contains a character that cannot be stored."];
        }
        return errors;
    }

    /// <summary>
    /// True when <paramref name="identifier"/> is a well-formed tenant identifier: 2 to <see cref="MaxIdentifierLength"/>
    /// lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen.
    /// </summary>
    public static bool IsIdentifier(string? identifier) =>
        identifier is { Length: >= 2 and <= MaxIdentifierLength } && IdentifierPattern().IsMatch(identifier);

    /// <summary>
    /// An identifier suggested from a tenant's name ("Acme Café GmbH" → "acme-cafe-gmbh"): accents dropped, other runs of
    /// characters a hyphen, leading digits skipped, cut to <see cref="MaxIdentifierLength"/>. Always passes
    /// <see cref="IsIdentifier"/>, or is empty when the name gives none (the operator then enters one).
    /// </summary>
    public static string SuggestIdentifier(string? name)
    {
        var builder = new StringBuilder();
        foreach (var c in (name ?? "").Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' || (lower is >= '0' and <= '9' && builder.Length > 0))
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }
        var suggestion = builder.ToString();
        suggestion = (suggestion.Length > MaxIdentifierLength ? suggestion[..MaxIdentifierLength] : suggestion).TrimEnd('-');
        return IsIdentifier(suggestion) ? suggestion : "";
    }

    // \z, not $: "$" also matches before a final line feed.
    [GeneratedRegex(@"^[a-z][a-z0-9-]*[a-z0-9]\z")]
    private static partial Regex IdentifierPattern();

    // A plan id comes from the operator's choice of the listed plans; anything PostgreSQL cannot hold is no plan.
    private static bool IsPlanId(string? planId) =>
        !string.IsNullOrEmpty(planId) && planId.Length <= 64 && !planId.Contains('\0', StringComparison.Ordinal);

    private static string? NormalizeSearch(string? search)
    {
        var text = search?.Replace("\0", "", StringComparison.Ordinal).Trim();
        return string.IsNullOrEmpty(text) ? null : text.Length > MaxNameLength ? text[..MaxNameLength] : text;
    }

    private async Task<bool> SetStatusAsync(PlatformOperator by, Guid tenantId, TenantStatus status, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var db = factory.Create(by.Reason($"{(status == TenantStatus.Suspended ? "suspend" : "resume")} tenant {tenantId}"));
        var tenant = await FindForChangeAsync(db, tenantId, cancellationToken);
        if (tenant.Status == status && (status == TenantStatus.Active || tenant.SuspendedFor == SuspensionCause.Operator))
        {
            return false;
        }
        var now = time.GetUtcNow();
        tenant.Status = status;
        // An operator's suspension outlasts any payment; resuming also ends an open grace period, or the billing
        // sweeper would suspend the tenant again at once.
        tenant.SuspendedFor = status == TenantStatus.Suspended ? SuspensionCause.Operator : null;
        if (status == TenantStatus.Active)
        {
            tenant.BillingGraceUntil = null;
        }
        tenant.UpdatedAt = now;
        db.AuditEntries.Add(Audit(by.Actor, tenant.Id, action, tenant.Id, now));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static async Task<Tenant> FindForChangeAsync(SystemDbContext db, Guid tenantId, CancellationToken cancellationToken) =>
        await db.Tenants.SingleOrDefaultAsync(t => t.Id == tenantId, cancellationToken)
        ?? throw new NotFoundException("tenant_not_found", "No tenant with this id.");

    private static string IdentifierTaken(string identifier) => $"The identifier \"{identifier}\" is taken: choose another.";

    private static AuditEntry Audit(AuditActor actor, Guid tenantId, string action, Guid target, DateTimeOffset now,
        IReadOnlyDictionary<string, object?>? details = null) =>
        AuditEntry.Create(actor, action, "tenant", target.ToString(), now, details, tenantId);
}

/// <summary>What the operator enters for a new tenant.</summary>
public sealed record NewTenant(string? Identifier, string? Name, string PlanId);

/// <summary>One tenant in the operator's list, with its conversations (all, and this calendar month, UTC) and active members.</summary>
public sealed record TenantSummary(Guid Id, string Identifier, string Name, string PlanId, string PlanName, TenantStatus Status,
    DateTimeOffset CreatedAt, int Conversations, int ConversationsThisMonth, int Members);

/// <summary>A tenant, its plan (null if the row is gone), its usage and its owners and admins.</summary>
public sealed record TenantDetails(Tenant Tenant, Plan? Plan, TenantActivity Usage, IReadOnlyList<TenantAdmin> Admins,
    IReadOnlyList<TenantBillingEvent> BillingEvents);

/// <summary>A billing provider's event as the operator sees it (the body stays in the database).</summary>
public sealed record TenantBillingEvent(string Provider, string EventId, string Type, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt,
    Billing.BillingOutcome Outcome);

/// <summary>An owner or admin of a tenant, as the operator sees them (deactivated ones included).</summary>
public sealed record TenantAdmin(string Email, MembershipRole Role, bool Deactivated, DateTimeOffset Since);
