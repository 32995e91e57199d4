using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OmniChat.Core.Billing;
using OmniChat.Core.Errors;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// Billing events applied in the tenant's own scope, on a controllable clock: the grace period after a failed payment, the
/// sweeper that suspends past it, payments that resume only what billing suspended, and each tenant's events its own.
/// </summary>
public sealed class BillingShould(ServersFixture servers) : IAsyncLifetime
{
    private const string Provider = "generic";
    private const string Secret = "billing-secret-for-the-tests-0123456789";

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task SuspendOnlyOnceTheGracePeriodHasRunOutAndResumeWhenPaid()
    {
        var suspension = new BillingSuspension(_db.SystemFactory(), _time, NullLogger<BillingSuspension>.Instance);

        Assert.Equal(BillingOutcome.Applied, (await ReceiveAsync(_db.TenantA, "evt_1", BillingWebhooks.PaymentFailed, Start)).Outcome);
        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await suspension.SuspendOverdueAsync(Ct));
        Assert.Equal((TenantStatus.Active, (SuspensionCause?)null), await StatusAsync(_db.TenantA));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await suspension.SuspendOverdueAsync(Ct));
        Assert.Equal(0, await suspension.SuspendOverdueAsync(Ct));
        Assert.Equal((TenantStatus.Suspended, SuspensionCause.Billing), await StatusAsync(_db.TenantA));
        Assert.Equal((TenantStatus.Active, (SuspensionCause?)null), await StatusAsync(_db.TenantB));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(BillingOutcome.Applied, (await ReceiveAsync(_db.TenantA, "evt_2", BillingWebhooks.PaymentSucceeded, _time.GetUtcNow())).Outcome);
        Assert.Equal((TenantStatus.Active, (SuspensionCause?)null), await StatusAsync(_db.TenantA));
        await using var system = _db.ForSystem();
        var actions = await system.AuditEntries.Where(a => a.TenantId == _db.TenantA.Id && a.TargetType == "tenant")
            .OrderBy(a => a.OccurredAt).ThenBy(a => a.Action).Select(a => a.Action + " by " + a.Actor).ToListAsync(Ct);
        Assert.Equal(["billing.payment_failed by billing:generic", "tenant.suspended by system", "billing.payment_succeeded by billing:generic",
            "tenant.resumed by billing:generic"], actions);
    }

    [Fact]
    public async Task NotLetAPaymentResumeASuspensionAnOperatorMade()
    {
        await using (var system = _db.ForSystem())
        {
            await system.Tenants.Where(t => t.Id == _db.TenantA.Id)
                .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, TenantStatus.Suspended).SetProperty(x => x.SuspendedFor, SuspensionCause.Operator), Ct);
        }

        var receipt = await ReceiveAsync(_db.TenantA, "evt_paid", BillingWebhooks.PaymentSucceeded, Start);

        Assert.Equal(BillingOutcome.Ignored, receipt.Outcome);
        Assert.Equal((TenantStatus.Suspended, SuspensionCause.Operator), await StatusAsync(_db.TenantA));
    }

    [Fact]
    public async Task ApplyEachKindOfEventInTheProvidersOrder()
    {
        Assert.Equal(BillingOutcome.Applied, (await ReceiveAsync(_db.TenantA, "evt_new_plan", BillingWebhooks.SubscriptionUpdated, Start, Plan.FreeId)).Outcome);
        // Older than the applied subscription event: stored, not applied. A payment event is ordered on its own.
        Assert.Equal(BillingOutcome.Superseded,
            (await ReceiveAsync(_db.TenantA, "evt_old_plan", BillingWebhooks.SubscriptionUpdated, Start.AddHours(-1), Plan.BusinessId)).Outcome);
        Assert.Equal(BillingOutcome.Applied, (await ReceiveAsync(_db.TenantA, "evt_old_failure", BillingWebhooks.PaymentFailed, Start.AddHours(-2))).Outcome);
        Assert.Equal(BillingOutcome.Applied,
            (await ReceiveAsync(_db.TenantA, "evt_upgrade", BillingWebhooks.SubscriptionUpdated, Start.AddMinutes(30), Plan.BusinessId)).Outcome);
        Assert.Equal(BillingOutcome.Applied, (await ReceiveAsync(_db.TenantA, "evt_cancel", BillingWebhooks.SubscriptionCancelled, Start.AddHours(1))).Outcome);
        Assert.Equal(BillingOutcome.Ignored, (await ReceiveAsync(_db.TenantA, "evt_other", "invoice.created", Start)).Outcome);

        await using var system = _db.ForSystem();
        var tenant = await system.Tenants.SingleAsync(t => t.Id == _db.TenantA.Id, Ct);
        Assert.Equal(Plan.FreeId, tenant.PlanId);
        Assert.Equal(Start.AddHours(-2) + TimeSpan.FromDays(7), tenant.BillingGraceUntil);
        Assert.Equal(6, await system.BillingEvents.CountAsync(e => e.TenantId == _db.TenantA.Id, Ct));
    }

    [Fact]
    public async Task ChangeNothingWhenTheSameEventArrivesAgain()
    {
        var first = await ReceiveAsync(_db.TenantA, "evt_once", BillingWebhooks.SubscriptionUpdated, Start, Plan.FreeId);
        await using (var system = _db.ForSystem())
        {
            // Something else moved the plan since: a repeat of the old event must not move it back.
            await system.Tenants.Where(t => t.Id == _db.TenantA.Id).ExecuteUpdateAsync(t => t.SetProperty(x => x.PlanId, Plan.BusinessId), Ct);
        }

        var again = await ReceiveAsync(_db.TenantA, "evt_once", BillingWebhooks.SubscriptionUpdated, Start, Plan.FreeId);

        Assert.Equal(new BillingReceipt("evt_once", BillingOutcome.Applied, false), first);
        Assert.Equal(new BillingReceipt("evt_once", BillingOutcome.Applied, true), again);
        await using var check = _db.ForSystem();
        Assert.Equal(Plan.BusinessId, await check.Tenants.Where(t => t.Id == _db.TenantA.Id).Select(t => t.PlanId).SingleAsync(Ct));
    }

    [Fact]
    public async Task KeepEachTenantsEventsInItsOwnScope()
    {
        await ReceiveAsync(_db.TenantA, "evt_a", BillingWebhooks.PaymentFailed, Start);
        await ReceiveAsync(_db.TenantB, "evt_b", BillingWebhooks.PaymentFailed, Start);

        await using var a = _db.ForTenant(_db.TenantA);
        await using var b = _db.ForTenant(_db.TenantB);
        await using var nobody = _db.ForTenant(null);
        Assert.Equal(["evt_a"], await a.BillingEvents.Select(e => e.EventId).ToListAsync(Ct));
        Assert.Equal(["evt_b"], await b.BillingEvents.Select(e => e.EventId).ToListAsync(Ct));
        Assert.Empty(await nobody.BillingEvents.IgnoreQueryFilters().ToListAsync(Ct));
        Assert.Equal(1, await a.BillingEvents.IgnoreQueryFilters().CountAsync(Ct));
    }

    [Fact]
    public async Task RefuseBadAndStaleSignaturesBeforeStoringAnything()
    {
        var body = Body("evt_x", BillingWebhooks.PaymentFailed, Start, _db.TenantA.Identifier, null);
        var now = _time.GetUtcNow();

        var forged = await Assert.ThrowsAsync<DomainException>(() =>
            ReceiveRawAsync(body, TimestampedSignature.Sign(body, now.ToUnixTimeSeconds(), "another-secret-0123456789-0123456789")));
        var stale = await Assert.ThrowsAsync<DomainException>(() =>
            ReceiveRawAsync(body, TimestampedSignature.Sign(body, now.AddMinutes(-5).AddSeconds(-1).ToUnixTimeSeconds(), Secret)));
        var fresh = await ReceiveRawAsync(body, TimestampedSignature.Sign(body, now.AddMinutes(-5).ToUnixTimeSeconds(), Secret));

        const string withNul = "{\"id\":\"evt_nul\",\"type\":\"payment_failed\",\"created\":1,\"tenant\":\"default\",\"data\":{\"note\":\"a\\u0000b\"}}";
        await Assert.ThrowsAsync<ValidationException>(() => ReceiveRawAsync(withNul, TimestampedSignature.Sign(withNul, now.ToUnixTimeSeconds(), Secret)));

        Assert.Equal("billing_signature_invalid", forged.Code);
        Assert.Equal("billing_signature_stale", stale.Code);
        Assert.False(fresh.Duplicate);
    }

    private async Task<BillingReceipt> ReceiveAsync(TenantInfo tenant, string id, string type, DateTimeOffset created, string? plan = null)
    {
        var body = Body(id, type, created, tenant.Identifier, plan);
        return await ReceiveRawAsync(body, TimestampedSignature.Sign(body, _time.GetUtcNow().ToUnixTimeSeconds(), Secret));
    }

    private async Task<BillingReceipt> ReceiveRawAsync(string body, string signature)
    {
        // A fresh scope per delivery, as a request has.
        var scope = new TenantContext();
        await using var db = _db.ForContext(scope);
        var options = Options.Create(new BillingOptions { Provider = Provider, WebhookSecret = Secret });
        var billing = new BillingWebhooks(db, scope, new PostgresTenantStore(_db.AppDataSource), options, _time, NullLogger<BillingWebhooks>.Instance);
        return await billing.ReceiveAsync(Provider, Encoding.UTF8.GetBytes(body), signature, "test", Ct);
    }

    private async Task<(TenantStatus, SuspensionCause?)> StatusAsync(TenantInfo tenant)
    {
        await using var system = _db.ForSystem();
        var row = await system.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenant.Id, Ct);
        return (row.Status, row.SuspendedFor);
    }

    private static string Body(string id, string type, DateTimeOffset created, string tenant, string? plan) =>
        JsonSerializer.Serialize(new { id, type, created = created.ToUnixTimeSeconds(), tenant, data = plan is null ? (object)new { } : new { plan } });
}
