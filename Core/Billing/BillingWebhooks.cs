using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniChat.Core.Audit;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Billing;

/// <summary>What receiving one billing webhook did: the event, its outcome, and whether it was a repeat (then nothing changed).</summary>
public sealed record BillingReceipt(string EventId, BillingOutcome Outcome, bool Duplicate);

/// <summary>
/// Receives the billing provider's signed webhooks (docs/billing.md): checks the signature and its timestamp before reading
/// anything, stores each event once per <c>(provider, id)</c> in its tenant's data and applies it in one transaction under
/// the tenant row's lock: subscription events set the plan, <c>payment_failed</c> opens a grace period (past it the tenant is
/// suspended), <c>payment_succeeded</c> closes it and resumes a billing suspension. Events apply in the provider's order
/// (<c>created</c>), subscription and payment events each on their own: one older than the newest applied of its kind is
/// stored as <see cref="BillingOutcome.Superseded"/>. Runs in the event's tenant scope (row-level security holds), never
/// in the system scope.
/// </summary>
public sealed partial class BillingWebhooks(OmniChatDbContext db, ITenantContext tenants, ITenantStore store, IOptions<BillingOptions> options,
    TimeProvider time, ILogger<BillingWebhooks> logger)
{
    /// <summary>The header the provider signs with: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>.</summary>
    public const string SignatureHeader = "Billing-Signature";

    public const string SubscriptionCreated = "subscription.created", SubscriptionUpdated = "subscription.updated",
        SubscriptionCancelled = "subscription.cancelled", PaymentFailed = "payment_failed", PaymentSucceeded = "payment_succeeded";

    /// <summary>Stores and applies the event in <paramref name="body"/>, signed by <paramref name="signature"/>.</summary>
    public async Task<BillingReceipt> ReceiveAsync(string provider, ReadOnlyMemory<byte> body, string? signature, string? requestId,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Accepts(provider))
        {
            throw new NotFoundException("billing_provider_unknown", "No billing provider by this name sends webhooks here.");
        }
        switch (TimestampedSignature.Check(body.Span, signature, settings.WebhookSecret!, time.GetUtcNow(), settings.ReplayWindow))
        {
            case SignatureCheck.Valid:
                break;
            case SignatureCheck.Stale:
                throw new DomainException(400, "billing_signature_stale",
                    $"The {SignatureHeader} timestamp is more than {settings.ReplayWindow.TotalMinutes:0} minutes from now: a replay, or a clock far off.");
            default:
                throw new DomainException(400, "billing_signature_invalid", $"The {SignatureHeader} header is missing or does not match the body.");
        }

        var received = Parse(body.Span);
        var tenant = await store.FindByIdentifierAsync(received.Tenant, cancellationToken)
            ?? throw new ValidationException(new Dictionary<string, string[]> { ["tenant"] = ["No tenant has this identifier."] });
        if (tenants.Tenant is { } resolved && resolved.Id != tenant.Id)
        {
            // Another credential on the request resolved another tenant: a provider sends none.
            throw new DomainException(400, "bad_request", "A billing webhook carries no other credential.");
        }
        tenants.Use(tenant);

        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // One event of a tenant at a time: the row lock orders concurrent deliveries (and the grace sweeper's update).
            var row = await db.Tenants.FromSql($"SELECT * FROM tenants WHERE id = {tenant.Id} FOR UPDATE").SingleAsync(cancellationToken);
            var stored = await db.BillingEvents.AsNoTracking()
                .SingleOrDefaultAsync(e => e.Provider == provider && e.EventId == received.Id, cancellationToken);
            if (stored is not null)
            {
                return new BillingReceipt(stored.EventId, stored.Outcome, Duplicate: true);
            }

            var now = time.GetUtcNow();
            var actor = AuditActor.ForBilling(provider, requestId);
            var outcome = await ApplyAsync(row, received, actor, now, cancellationToken);
            db.BillingEvents.Add(new BillingEvent
            {
                Provider = provider,
                EventId = received.Id,
                Type = received.Type,
                OccurredAt = received.Created,
                ReceivedAt = now,
                Body = Encoding.UTF8.GetString(body.Span),
                Outcome = outcome,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // The same id arrived for another tenant: ids are the provider's, one event belongs to one tenant.
                throw new ConflictException("conflict", "An event with this id was received for another tenant.");
            }
            await transaction.CommitAsync(cancellationToken);
            LogReceived(logger, provider, received.Id, received.Type, tenant.Id, outcome);
            return new BillingReceipt(received.Id, outcome, Duplicate: false);
        });
    }

    private async Task<BillingOutcome> ApplyAsync(Tenant row, ReceivedEvent received, AuditActor actor, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        switch (received.Type)
        {
            case SubscriptionCreated or SubscriptionUpdated or SubscriptionCancelled:
                if (row.BillingSubscriptionAt is { } lastSubscription && received.Created < lastSubscription)
                {
                    return BillingOutcome.Superseded;
                }
                var plan = received.Type == SubscriptionCancelled ? options.Value.CancelledPlan : received.Plan;
                if (plan is null || !await db.Plans.AnyAsync(p => p.Id == plan, cancellationToken))
                {
                    throw new ValidationException(new Dictionary<string, string[]>
                    {
                        [received.Type == SubscriptionCancelled ? "type" : "data.plan"] = [$"No plan \"{plan}\" exists here."],
                    });
                }
                row.BillingSubscriptionAt = received.Created;
                if (row.PlanId == plan)
                {
                    return BillingOutcome.Ignored;
                }
                Audit(actor, "billing.plan_changed", row, now, new() { ["event"] = received.Id, ["from"] = row.PlanId, ["to"] = plan });
                row.PlanId = plan;
                row.UpdatedAt = now;
                return BillingOutcome.Applied;

            case PaymentFailed or PaymentSucceeded:
                if (row.BillingPaymentAt is { } lastPayment && received.Created < lastPayment)
                {
                    return BillingOutcome.Superseded;
                }
                row.BillingPaymentAt = received.Created;
                return received.Type == PaymentFailed ? PaymentFailedAt(row, received, actor, now) : PaymentSucceededAt(row, received, actor, now);

            default:
                return BillingOutcome.Ignored;
        }
    }

    private BillingOutcome PaymentFailedAt(Tenant row, ReceivedEvent received, AuditActor actor, DateTimeOffset now)
    {
        var changed = false;
        if (row.BillingGraceUntil is null)
        {
            // The grace period runs from when the payment failed, not from when we heard of it.
            row.BillingGraceUntil = received.Created + options.Value.GracePeriod;
            Audit(actor, "billing.payment_failed", row, now, new() { ["event"] = received.Id, ["graceUntil"] = row.BillingGraceUntil });
            changed = true;
        }
        if (row.BillingGraceUntil <= now && row.Status == TenantStatus.Active)
        {
            BillingSuspension.Suspend(row, now);
            Audit(actor, "tenant.suspended", row, now, new() { ["cause"] = "billing", ["event"] = received.Id });
            changed = true;
        }
        if (changed)
        {
            row.UpdatedAt = now;
        }
        return changed ? BillingOutcome.Applied : BillingOutcome.Ignored;
    }

    private BillingOutcome PaymentSucceededAt(Tenant row, ReceivedEvent received, AuditActor actor, DateTimeOffset now)
    {
        var changed = false;
        if (row.BillingGraceUntil is not null)
        {
            row.BillingGraceUntil = null;
            Audit(actor, "billing.payment_succeeded", row, now, new() { ["event"] = received.Id });
            changed = true;
        }
        // A payment resumes what billing suspended; an operator's suspension stays until an operator lifts it.
        if (row.Status == TenantStatus.Suspended && row.SuspendedFor == SuspensionCause.Billing)
        {
            row.Status = TenantStatus.Active;
            row.SuspendedFor = null;
            Audit(actor, "tenant.resumed", row, now, new() { ["cause"] = "billing", ["event"] = received.Id });
            changed = true;
        }
        if (changed)
        {
            row.UpdatedAt = now;
        }
        return changed ? BillingOutcome.Applied : BillingOutcome.Ignored;
    }

    private void Audit(AuditActor actor, string action, Tenant row, DateTimeOffset now, Dictionary<string, object?> details) =>
        db.AuditEntries.Add(AuditEntry.Create(actor, action, "tenant", row.Id.ToString(), now, details));

    private static ReceivedEvent Parse(ReadOnlySpan<byte> body)
    {
        // The event is kept as jsonb, which cannot hold a NUL character.
        if (body.IndexOf("\\u0000"u8) >= 0)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["body"] = ["The event contains a NUL character (\\u0000)."] });
        }
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            throw new DomainException(400, "invalid_json", "The body is not JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            var errors = new Dictionary<string, string[]>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ValidationException(new Dictionary<string, string[]> { ["body"] = ["An event is a JSON object."] });
            }
            var id = Text(root, "id", BillingEvent.MaxIdLength, errors);
            var type = Text(root, "type", BillingEvent.MaxTypeLength, errors);
            var tenant = Text(root, "tenant", TenantAdministration.MaxIdentifierLength, errors);
            DateTimeOffset created = default;
            if (!root.TryGetProperty("created", out var createdValue) || !createdValue.TryGetInt64(out var seconds)
                || seconds is < 0 or > 253_402_300_799)
            {
                errors["created"] = ["The event's time in Unix seconds."];
            }
            else
            {
                created = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
            string? plan = null;
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("plan", out var planValue))
            {
                plan = planValue.ValueKind == JsonValueKind.String && planValue.GetString() is { Length: > 0 and <= 64 } p && !p.Contains('\0', StringComparison.Ordinal)
                    ? p
                    : null;
                if (plan is null)
                {
                    errors["data.plan"] = ["A plan id."];
                }
            }
            else if (type is SubscriptionCreated or SubscriptionUpdated)
            {
                errors["data.plan"] = ["A subscription event names its plan."];
            }
            ValidationException.ThrowIfAny(errors);
            return new ReceivedEvent(id!, type!, created, tenant!, plan);
        }
    }

    private static string? Text(JsonElement root, string name, int maxLength, Dictionary<string, string[]> errors)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text && text.Length <= maxLength && !text.Contains('\0', StringComparison.Ordinal))
        {
            return text;
        }
        errors[name] = [$"A string of 1 to {maxLength} characters."];
        return null;
    }

    private sealed record ReceivedEvent(string Id, string Type, DateTimeOffset Created, string Tenant, string? Plan);

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing event {EventId} ({Type}) from {Provider} for tenant {TenantId}: {Outcome}")]
    private static partial void LogReceived(ILogger logger, string provider, string eventId, string type, Guid tenantId, BillingOutcome outcome);
}
