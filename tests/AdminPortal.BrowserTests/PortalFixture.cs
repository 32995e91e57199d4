using Microsoft.Playwright;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.AdminPortal.BrowserTests.PortalFixture))]

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>
/// The whole system, started through the AppHost library on free ports (PostgreSQL, Redis, RabbitMQ, the Api, the
/// realtime hub, the Workers, the admin portal and the Telegram sandbox), plus one headless chromium (Debian's, driven
/// by Playwright). Each test opens its own browser context: its own cookies, like another person's browser.
/// </summary>
public sealed class PortalFixture : ServersFixture
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri PortalUrl => App.ServiceUrls[ResourceNames.AdminPortal];

    public Uri ApiUrl => App.ServiceUrls[ResourceNames.Api];

    public Uri SandboxUrl => App.ServiceUrls[ResourceNames.TelegramSandbox];

    public CredentialTenant Demo => App.Credentials.Tenants.Single(t => t.Identifier == "demo");

    public CredentialTenant Default => App.Credentials.Tenants.Single(t => t.Identifier == Core.Tenancy.Tenant.DefaultIdentifier);

    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.TelegramSandbox, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Workers, ResourceNames.AdminPortal],
        // The journeys share the demo tenant's one support group. At Telegram's 20 messages a minute per group, the
        // topics, cards and copies of the inbox journeys queue up for minutes, and a later journey's topic waits behind
        // them (the Telegram test on the channels page timed out so). Flood control is tested in Workers.Tests and the
        // sandbox's tests; here the group's pace is raised on both sides, ours and the sandbox's.
        ServiceEnvironment = new Dictionary<string, string>
        {
            ["Telegram__PerGroupPerMinute"] = "1200",
            ["Telegram__PerGroupBurst"] = "100",
            ["Sandbox__FloodControl__PerGroupPerMinute"] = "1200",
            ["Sandbox__FloodControl__PerGroupBurst"] = "100",
        },
    };

    protected override async Task OnStartedAsync()
    {
        // CI runs the test assemblies side by side on two cores: Blazor circuits and page loads get slow, never stuck.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"], Headless = true });
    }

    /// <summary>A new browser context (a person's browser) at a desktop width, with the portal as its base URL.</summary>
    public async Task<IBrowserContext> NewPersonAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = PortalUrl.ToString().TrimEnd('/'), ViewportSize = new() { Width = width, Height = height } });
        context.SetDefaultTimeout(120_000);
        context.SetDefaultNavigationTimeout(120_000);
        return context;
    }

    /// <summary>
    /// A new person with a password and an active membership of <paramref name="tenant"/> (as an admin's invitation and
    /// the set-password link would leave them), written through the system role.
    /// </summary>
    public async Task<Login> CreateMemberAsync(CredentialTenant tenant, string role = "Agent", bool canManageSupportChats = true)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var id = Guid.CreateVersion7();
        var email = $"member-{id:N}@{tenant.Identifier}.omnichat.local";
        var password = "correct horse " + id.ToString("N")[^12..];
        var user = new Core.Identity.User { Id = id, UserName = email, Email = email };
        var hash = new Microsoft.AspNetCore.Identity.PasswordHasher<Core.Identity.User>().HashPassword(user, password);
        await using var connection = new Npgsql.NpgsqlConnection(App.Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var name = "Agent " + id.ToString("N")[^10..];
        await using var batch = new Npgsql.NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("""
                    INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed, password_hash, security_stamp,
                                       concurrency_stamp, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count, display_name, created_at)
                    VALUES ($1, $2, upper($2), $2, upper($2), true, $3, $4, $4, false, false, true, 0, $5, now())
                    """)
                {
                    Parameters = { new() { Value = id }, new() { Value = email }, new() { Value = hash }, new() { Value = Guid.NewGuid().ToString("N") }, new() { Value = name } },
                },
                new("""
                    INSERT INTO memberships (id, tenant_id, user_id, role, can_manage_support_chats, agent_name, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, now())
                    """)
                {
                    Parameters =
                    {
                        new() { Value = Guid.CreateVersion7() }, new() { Value = tenant.Id }, new() { Value = id }, new() { Value = role },
                        new() { Value = canManageSupportChats }, new() { Value = name },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return new Login(email, password);
    }

    /// <summary>
    /// A new tenant of its own (identifier <paramref name="label"/>-&lt;random&gt;, on <paramref name="plan"/>) with an API key
    /// of every scope and an owner who can sign in, written through the system role: for tests that must not touch the
    /// seeded tenants' data.
    /// </summary>
    public async Task<CredentialTenant> CreateTenantAsync(string label, string plan = "free")
    {
        var identifier = label + "-" + Guid.NewGuid().ToString("N")[..10];
        var tenantId = Guid.CreateVersion7();
        var name = $"Test {identifier}";
        await ScalarAsync<object?>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) " +
            "VALUES ($1, $2, $3, $4, 'Active', 'en', now(), now())",
            tenantId, identifier, name, plan);
        var key = Core.Identity.ApiKeySecret.Generate("test");
        await ScalarAsync<object?>(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now())",
            Guid.CreateVersion7(), tenantId, Core.Identity.ApiKeySecret.Prefix(key), Core.Identity.ApiKeySecret.Hash(key), Core.Identity.ApiScopes.All.ToArray());
        var tenant = new CredentialTenant(identifier, tenantId, name, key, new Login("", ""));
        return tenant with { Admin = await CreateMemberAsync(tenant, role: "Owner") };
    }

    /// <summary>Makes an existing person (<paramref name="login"/>) a member of another tenant too.</summary>
    public async Task AddMembershipAsync(Login login, CredentialTenant tenant, string role = "Agent")
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(tenant);
        await using var connection = new Npgsql.NpgsqlConnection(App.Database.System);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("""
            INSERT INTO memberships (id, tenant_id, user_id, role, can_manage_support_chats, agent_name, created_at)
            SELECT $1, $2, u.id, $3, true, u.display_name, now() FROM users u WHERE u.normalized_email = upper($4)
            """, connection)
        {
            Parameters = { new() { Value = Guid.CreateVersion7() }, new() { Value = tenant.Id }, new() { Value = role }, new() { Value = login.Email } },
        };
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected override async Task OnStoppingAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
