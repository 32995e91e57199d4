using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OmniChat.AdminPortal.BrowserTests;

/// <summary>An admin runs the workspace's team: invitations, roles and permission, deactivation, linked Telegram identities.</summary>
public sealed class TeamShould(PortalFixture fixture)
{
    [Fact]
    public async Task InviteAMemberWhoAppearsWithTheChosenRoleAndAPendingInvitation()
    {
        var email = $"invitee-{Guid.NewGuid():N}@demo.omnichat.local";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/team");
        await Portal.ReadyAsync(page);

        await page.GetByTestId("invite-member").ClickAsync();
        await TenantAdminPages.Field(page, "invite-email").FillAsync(email);
        await TenantAdminPages.Field(page, "invite-name").FillAsync("Invited Ivy " + email[8..14]);
        await page.GetByTestId("invite-send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("invite-dialog")).ToBeHiddenAsync();

        var row = Member(page, email);
        await Assertions.Expect(row.GetByTestId("member-role-cell")).ToHaveTextAsync("Agent");
        await Assertions.Expect(row.GetByTestId("member-status")).ToHaveTextAsync("Invitation pending");
        await Assertions.Expect(row.GetByTestId("member-support-cell")).ToHaveTextAsync("Yes");
        await TenantAdminPages.ScreenshotAsync(fixture, page, "portal-team.png");
    }

    [Fact]
    public async Task ChangeAMembersRoleAndPermissionDeactivateAndReactivateThem()
    {
        var member = await fixture.CreateMemberAsync(fixture.Demo, role: "Agent");
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/team");
        await Portal.ReadyAsync(page);
        var row = Member(page, member.Email);

        await row.GetByTestId("member-edit").ClickAsync();
        await page.GetByTestId("member-role").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Admin", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Switch, new() { Name = "May claim and answer support chats" }).Or(
            page.GetByRole(AriaRole.Checkbox, new() { Name = "May claim and answer support chats" })).ClickAsync();
        await page.GetByTestId("member-save").ClickAsync();
        await Assertions.Expect(row.GetByTestId("member-role-cell")).ToHaveTextAsync("Admin");
        await Assertions.Expect(row.GetByTestId("member-support-cell")).ToHaveTextAsync("No");

        await row.GetByTestId("member-deactivate").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("member-status")).ToHaveTextAsync("Deactivated");
        await row.GetByTestId("member-reactivate").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Reactivate" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("member-status")).ToHaveTextAsync("Active");
    }

    [Fact]
    public async Task RefuseAnInvitationPastThePlansMemberSeatsAndSaySo()
    {
        // A Free workspace (2 active members) with its owner and one agent.
        var identifier = "seats-" + Guid.NewGuid().ToString("N")[..10];
        var tenantId = Guid.CreateVersion7();
        await fixture.ScalarAsync<object?>(
            "INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, created_at, updated_at) VALUES ($1, $2, 'Seats test', 'free', 'Active', 'en', now(), now())",
            tenantId, identifier);
        var free = new AppHost.Hosting.CredentialTenant(identifier, tenantId, "Seats test", "", new AppHost.Hosting.Login("", ""));
        var owner = await fixture.CreateMemberAsync(free, role: "Owner");
        await fixture.CreateMemberAsync(free);
        var email = $"invitee-{Guid.NewGuid():N}@seats.omnichat.local";
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, owner, "/admin/team");

        await page.GetByTestId("invite-member").ClickAsync();
        await TenantAdminPages.Field(page, "invite-email").FillAsync(email);
        await page.GetByTestId("invite-send").ClickAsync();

        await Assertions.Expect(page.GetByTestId("invite-error")).ToHaveTextAsync(
            "Your plan allows 2 active members and 2 are active. Deactivate a member or move to a larger plan to add another.");
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM users WHERE normalized_email = upper($1)", email));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("SELECT count(*) FROM memberships WHERE tenant_id = $1", tenantId));
    }

    [Fact]
    public async Task RefuseToLetAnAdminDeactivateThemselves()
    {
        await using var person = await fixture.NewPersonAsync(width: 375, height: 740);
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/team");
        await Portal.ReadyAsync(page);

        await Member(page, fixture.Demo.Admin.Email).GetByTestId("member-deactivate").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();

        await Assertions.Expect(page.GetByText("You cannot deactivate yourself")).ToBeVisibleAsync();
        await Assertions.Expect(Member(page, fixture.Demo.Admin.Email).GetByTestId("member-status")).ToHaveTextAsync("Active");
        // Scan the page as it stays, once the message has gone (a snackbar fading in or out blends its colours).
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var axe = await page.RunAxe();
        Assert.True(TenantAdminPages.Serious(axe).Count == 0, string.Join("\n", TenantAdminPages.Serious(axe)));
    }

    [Fact]
    public async Task LinkATelegramAgentToAMemberAndShowItOnTheirRow()
    {
        var member = await fixture.CreateMemberAsync(fixture.Demo, role: "Agent");
        var telegramUserId = Random.Shared.NextInt64(10_000_000, 99_999_999);
        var telegramName = $"Tg Agent {telegramUserId}";
        await fixture.ScalarAsync<int>(
            "WITH a AS (INSERT INTO telegram_agents (id, tenant_id, telegram_user_id, name, created_at, last_seen_at) VALUES ($1, $2, $3, $4, now(), now()) RETURNING 1) " +
            "SELECT count(*)::int FROM a", Guid.CreateVersion7(), fixture.Demo.Id, telegramUserId, telegramName);
        await using var person = await fixture.NewPersonAsync();
        var page = await person.NewPageAsync();
        await Portal.SignInAsync(page, fixture.Demo.Admin, "/admin/team");
        await Portal.ReadyAsync(page);
        var row = Member(page, member.Email);

        await row.GetByTestId("member-edit").ClickAsync();
        await page.GetByTestId("member-telegram").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = telegramName }).ClickAsync();
        // Close the list (a click beside it), not the dialog.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Edit" }).ClickAsync(new() { Force = true });
        await page.GetByTestId("member-save").ClickAsync();

        await Assertions.Expect(row.GetByTestId("member-telegram-cell")).ToHaveTextAsync(telegramName);
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM telegram_agents a JOIN users u ON u.id = a.user_id WHERE a.tenant_id = $1 AND a.telegram_user_id = $2 AND u.email = $3",
            fixture.Demo.Id, telegramUserId, member.Email));
    }

    private static ILocator Member(IPage page, string email) =>
        page.GetByTestId("team").Locator("tr", new() { Has = page.GetByTestId("member-email").GetByText(email, new() { Exact = true }) });
}
