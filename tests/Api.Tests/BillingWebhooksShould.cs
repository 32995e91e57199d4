using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.Core.Identity;
using OmniChat.Core.Security;

namespace OmniChat.Api.Tests;

/// <summary>
/// <c>POST /billing/webhooks/{provider}</c> as the provider calls it, signed with the secret the AppHost wrote into
/// <c>credentials.json</c>: bad or stale signatures store nothing, a replay changes nothing, a failed payment past its grace
/// period suspends the tenant's API keys, and a payment resumes them. Each test has its own tenants.
/// </summary>
public sealed class BillingWebhooksShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CredentialBilling Billing => api.App.Credentials.Billing!;

    [Fact]
    public async Task RefuseABadSignatureAndStoreNothing()
    {
        var (identifier, _) = await CreateTenantAsync();
        var body = Event("evt_bad_" + Guid.NewGuid().ToString("N"), "subscription.updated", DateTimeOffset.UtcNow, identifier, "business");

        using var forged = await PostAsync(body, TimestampedSignature.Sign(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "not-the-secret"));
        using var unsigned = await PostAsync(body, signature: null);
        using var altered = await PostAsync(body.Replace("business", "free", StringComparison.Ordinal), Sign(body, DateTimeOffset.UtcNow));

        await forged.AssertProblemAsync(400, "billing_signature_invalid");
        await unsigned.AssertProblemAsync(400, "billing_signature_invalid");
        await altered.AssertProblemAsync(400, "billing_signature_invalid");
        Assert.Equal(0L, await StoredEventsAsync(identifier));
        Assert.Equal("free", await PlanOfAsync(identifier));
    }

    [Fact]
    public async Task RefuseAStaleTimestampAndStoreNothing()
    {
        var (identifier, _) = await CreateTenantAsync();
        var body = Event("evt_stale_" + Guid.NewGuid().ToString("N"), "subscription.updated", DateTimeOffset.UtcNow, identifier, "business");

        using var response = await PostAsync(body, Sign(body, DateTimeOffset.UtcNow.AddMinutes(-6)));

        await response.AssertProblemAsync(400, "billing_signature_stale");
        Assert.Equal(0L, await StoredEventsAsync(identifier));
        Assert.Equal("free", await PlanOfAsync(identifier));
    }

    [Fact]
    public async Task ChangeNothingWhenAnEventIsReplayed()
    {
        var (identifier, key) = await CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var upgrade = Event("evt_up_" + Guid.NewGuid().ToString("N"), "subscription.created", now.AddMinutes(-2), identifier, "business");
        var downgrade = Event("evt_down_" + Guid.NewGuid().ToString("N"), "subscription.updated", now.AddMinutes(-1), identifier, "free");

        var first = await ReceiveAsync(upgrade);
        Assert.Equal(("applied", false), first);
        Assert.Equal(("applied", false), await ReceiveAsync(downgrade));
        var replayed = await ReceiveAsync(upgrade);

        Assert.Equal(("applied", true), replayed);
        Assert.Equal("free", await PlanOfAsync(identifier));
        Assert.Equal(2L, await StoredEventsAsync(identifier));
        Assert.Equal(2L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM audit_entries a JOIN tenants t ON t.id = a.tenant_id WHERE t.identifier = $1 AND a.action = 'billing.plan_changed'", identifier));
        using var client = api.CreateClient(key);
        var tenant = await client.GetFromJsonAsync<JsonElement>(new Uri("/v2/tenant", UriKind.Relative), Ct);
        Assert.Equal("free", tenant.GetProperty("plan").GetString());
    }

    [Fact]
    public async Task StoreALateOlderEventWithoutApplyingIt()
    {
        var (identifier, _) = await CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;

        Assert.Equal(("applied", false), await ReceiveAsync(Event("evt_new_" + Guid.NewGuid().ToString("N"), "subscription.updated", now, identifier, "business")));
        var late = await ReceiveAsync(Event("evt_old_" + Guid.NewGuid().ToString("N"), "subscription.updated", now.AddHours(-1), identifier, "free"));

        Assert.Equal(("superseded", false), late);
        Assert.Equal("business", await PlanOfAsync(identifier));
        Assert.Equal(2L, await StoredEventsAsync(identifier));
    }

    [Fact]
    public async Task SuspendATenantWhosePaymentFailedPastItsGracePeriodAndResumeItWhenPaid()
    {
        var (identifier, key) = await CreateTenantAsync();
        var (otherIdentifier, otherKey) = await CreateTenantAsync();
        using var client = api.CreateClient(key);
        using var other = api.CreateClient(otherKey);
        var now = DateTimeOffset.UtcNow;

        // Within the grace period (7 days from the failure) the tenant keeps working.
        Assert.Equal(("applied", false), await ReceiveAsync(Event("evt_fail_" + Guid.NewGuid().ToString("N"), "payment_failed", now.AddDays(-8), identifier)));

        using (var refused = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct))
        {
            await refused.AssertProblemAsync(403, "tenant_suspended");
        }
        using (var unaffected = await other.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
        }
        Assert.Equal("Billing", await api.ScalarAsync<string>("SELECT suspended_for FROM tenants WHERE identifier = $1", identifier));

        Assert.Equal(("applied", false), await ReceiveAsync(Event("evt_paid_" + Guid.NewGuid().ToString("N"), "payment_succeeded", now, identifier)));

        using var resumed = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(0L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM tenants WHERE identifier = $1 AND (billing_grace_until IS NOT NULL OR suspended_for IS NOT NULL)", identifier));
        Assert.Equal(0L, await StoredEventsAsync(otherIdentifier));
    }

    [Fact]
    public async Task KeepATenantWorkingWithinItsGracePeriod()
    {
        var (identifier, key) = await CreateTenantAsync();
        var failedAt = DateTimeOffset.UtcNow.AddDays(-1);

        Assert.Equal(("applied", false), await ReceiveAsync(Event("evt_fail_" + Guid.NewGuid().ToString("N"), "payment_failed", failedAt, identifier)));

        using var client = api.CreateClient(key);
        using var response = await client.GetAsync(new Uri("/v2/tenant", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var graceUntil = await api.ScalarAsync<DateTime>("SELECT billing_grace_until FROM tenants WHERE identifier = $1", identifier);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(failedAt.ToUnixTimeSeconds()).AddDays(7).UtcDateTime, graceUntil);
    }

    [Fact]
    public async Task RefuseAnEventIdAlreadyReceivedForAnotherTenant()
    {
        var (first, _) = await CreateTenantAsync();
        var (second, _) = await CreateTenantAsync();
        var id = "evt_shared_" + Guid.NewGuid().ToString("N");
        Assert.Equal(("applied", false), await ReceiveAsync(Event(id, "subscription.updated", DateTimeOffset.UtcNow, first, "business")));

        var body = Event(id, "subscription.updated", DateTimeOffset.UtcNow, second, "business");
        using var response = await PostAsync(body, Sign(body, DateTimeOffset.UtcNow));

        await response.AssertProblemAsync(409, "conflict");
        Assert.Equal("free", await PlanOfAsync(second));
        Assert.Equal(0L, await StoredEventsAsync(second));
    }

    [Fact]
    public async Task AnswerUnknownProvidersTenantsPlansAndBodiesWithProblems()
    {
        var (identifier, _) = await CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var good = Event("evt_" + Guid.NewGuid().ToString("N"), "subscription.updated", now, identifier, "business");
        var unknownTenant = Event("evt_" + Guid.NewGuid().ToString("N"), "subscription.updated", now, "no-such-tenant", "business");
        var unknownPlan = Event("evt_" + Guid.NewGuid().ToString("N"), "subscription.updated", now, identifier, "platinum");
        const string notJson = "{\"id\": ";

        using var wrongProvider = await PostAsync(good, Sign(good, now), provider: "other");
        using var noTenant = await PostAsync(unknownTenant, Sign(unknownTenant, now));
        using var noPlan = await PostAsync(unknownPlan, Sign(unknownPlan, now));
        using var broken = await PostAsync(notJson, Sign(notJson, now), contractChecked: false);

        await wrongProvider.AssertProblemAsync(404, "billing_provider_unknown");
        await noTenant.AssertProblemAsync(400, "validation_failed");
        await noPlan.AssertProblemAsync(400, "validation_failed");
        await broken.AssertProblemAsync(400, "invalid_json");
        Assert.Equal(0L, await StoredEventsAsync(identifier));
        Assert.Equal("free", await PlanOfAsync(identifier));
    }

    private async Task<(string Identifier, string ApiKey)> CreateTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = "billing-" + id.ToString("N")[^12..];
        await api.ScalarAsync<object>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, 'Billing Co', 'free', 'Active', 'en', now(), now()) RETURNING id", id, identifier);
        return (identifier, await api.CreateApiKeyAsync(id, ApiScopes.ConversationsRead));
    }

    private Task<string> PlanOfAsync(string identifier) =>
        api.ScalarAsync<string>("SELECT plan_id FROM tenants WHERE identifier = $1", identifier);

    private Task<long> StoredEventsAsync(string identifier) =>
        api.ScalarAsync<long>("SELECT count(*) FROM billing_events e JOIN tenants t ON t.id = e.tenant_id WHERE t.identifier = $1", identifier);

    private async Task<(string Outcome, bool Duplicate)> ReceiveAsync(string body)
    {
        using var response = await PostAsync(body, Sign(body, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (receipt.GetProperty("outcome").GetString()!, receipt.GetProperty("duplicate").GetBoolean());
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? signature, string? provider = null, bool contractChecked = true)
    {
        // A body that is not JSON cannot pass the contract's request check; it goes through a plain client.
        using var client = contractChecked ? api.CreateClient() : new HttpClient { BaseAddress = api.App.ServiceUrls[ResourceNames.Api] };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/billing/webhooks/{provider ?? Billing.Provider}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.Add("Billing-Signature", signature);
        }
        return await client.SendAsync(request, Ct);
    }

    private string Sign(string body, DateTimeOffset at) => TimestampedSignature.Sign(body, at.ToUnixTimeSeconds(), Billing.WebhookSecret);

    private static string Event(string id, string type, DateTimeOffset created, string tenant, string? plan = null) =>
        JsonSerializer.Serialize(new
        {
            id,
            type,
            created = created.ToUnixTimeSeconds(),
            tenant,
            data = plan is null ? (object)new { } : new { plan },
        });
}
