using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Components.Pages.ApiKeys;

/// <summary>What each API scope lets a key do, in words an admin choosing scopes understands.</summary>
internal static class ApiKeyScopes
{
    public static string Describe(string scope) => scope switch
    {
        ApiScopes.ConversationsRead => "Read conversations and their messages",
        ApiScopes.ConversationsWrite => "Start, claim, answer and close conversations",
        ApiScopes.TemplatesWrite => "Manage templates and translations",
        ApiScopes.ChannelsWrite => "Set up channels (Telegram, website widget)",
        ApiScopes.WebhooksWrite => "Manage webhooks",
        ApiScopes.KeysManage => "Create and revoke API keys",
        ApiScopes.AuditRead => "Read the audit log",
        ApiScopes.UsageRead => "Read usage, limits and dashboard numbers",
        ApiScopes.SettingsWrite => "Change tenant settings (retention)",
        ApiScopes.CustomersErase => "Erase a customer's personal data (cannot be undone)",
        _ => scope,
    };
}
