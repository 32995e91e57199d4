using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>The data retention page: an admin sets the tenant's retention period and sees what the latest run deleted.</summary>
public sealed class RetentionShould(PortalFixture fixture)
{
    [Fact]
    public async Task LetAnAdminShortenTheRetentionPeriodAfterConfirmingAndShowOnlyTheirOwnLatestRun()
    {
        // A run the Workers recorded for the default tenant only (the sweep itself is tested in Core.Tests).
        await fixture.ScalarAsync<int>("""
            INSERT INTO audit_entries (id, tenant_id, actor, actor_type, action, target_type, target_id, details, occurred_at)
            VALUES (gen_random_uuid(), $1, 'system', 'system', 'retention.applied', 'tenant', $1::text,
                    '{"retentionDays": 365, "cutoff": "2025-12-04T10:00:00Z", "messages": 1234, "attachments": 1, "conversations": 7, "customers": 2}',
                    '2026-12-04T10:00:00Z')
            RETURNING 1
            """, fixture.Default.Id);
        var demoDays = await fixture.ScalarAsync<int>("SELECT retention_days FROM tenants WHERE id = $1", fixture.Demo.Id);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Default.Admin, "/admin/retention");
        await Assertions.Expect(page.GetByTestId("retention-current")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await Assertions.Expect(page.GetByTestId("retention-current")).ToContainTextAsync("365 days");
        await Assertions.Expect(page.GetByTestId("retention-last-run")).ToContainTextAsync("1,234 messages, 1 file, 7 conversations and 2 customers");

        // The field keeps a typed number within 1..3650; an empty one is refused by the same rule as the API's.
        await TenantAdminPages.Field(page, "retention-days").FillAsync("");
        await page.GetByTestId("retention-save").ClickAsync();
        await Assertions.Expect(page.GetByText("A whole number of days from 1 to 3650.").First).ToBeVisibleAsync();

        await TenantAdminPages.Field(page, "retention-days").FillAsync("30");
        await page.GetByTestId("retention-save").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(365, await fixture.ScalarAsync<int>("SELECT retention_days FROM tenants WHERE id = $1", fixture.Default.Id));
        await page.GetByTestId("retention-save").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("retention-current")).ToContainTextAsync("30 days");
        Assert.Equal(30, await fixture.ScalarAsync<int>("SELECT retention_days FROM tenants WHERE id = $1", fixture.Default.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("""
            SELECT count(*) FROM audit_entries
            WHERE tenant_id = $1 AND action = 'tenant.retention_changed' AND details->>'from' = '365' AND details->>'to' = '30'
            """, fixture.Default.Id));
        Assert.Equal(demoDays, await fixture.ScalarAsync<int>("SELECT retention_days FROM tenants WHERE id = $1", fixture.Demo.Id));
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var violations = await TenantAdminPages.SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // The other tenant's admin sees their own period and no run of the default tenant's.
        await using var demoPerson = await fixture.NewPersonAsync(width: 375, height: 740);
        var demoPage = await demoPerson.NewPageAsync();
        await Portal.SignInAsync(demoPage, fixture.Demo.Admin, "/admin/retention");
        await Assertions.Expect(demoPage.GetByTestId("retention-current")).ToBeVisibleAsync(TenantAdminPages.Loaded);
        await Assertions.Expect(demoPage.GetByTestId("retention-current")).ToContainTextAsync($"{demoDays} days");
        await Assertions.Expect(demoPage.GetByTestId("retention-last-run")).ToHaveTextAsync("Nothing has been old enough to delete yet.");
        Assert.Equal("", await TenantAdminPages.WiderThanTheWindowAsync(demoPage));
    }

    [Fact]
    public async Task KeepAnAgentOut()
    {
        await using var person = await fixture.NewPersonAsync();

        var page = await TenantAdminPages.OpenAsAgentAsync(fixture, person, "/admin/retention");

        Assert.Equal(0, await page.GetByTestId("retention-save").CountAsync());
    }
}
