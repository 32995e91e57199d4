using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Identity;

/// <summary>An integrator's key for API v2. Only its SHA-256 hash and a display prefix are stored.</summary>
public sealed class ApiKey : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the key, kept for display (<c>ock_live_AbCd…</c>).</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the whole key.</summary>
    public required byte[] Hash { get; set; }

    public List<string> Scopes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>The scopes an API key can carry (SPEC §4).</summary>
public static class ApiScopes
{
    public const string ConversationsRead = "conversations:read";
    public const string ConversationsWrite = "conversations:write";
    public const string TemplatesWrite = "templates:write";
    public const string ChannelsWrite = "channels:write";
    public const string WebhooksWrite = "webhooks:write";
    public const string KeysManage = "keys:manage";
    public const string AuditRead = "audit:read";
    public const string UsageRead = "usage:read";
    public const string SettingsWrite = "settings:write";
    public const string CustomersErase = "customers:erase";

    /// <summary>Every scope.</summary>
    public static IReadOnlyList<string> All { get; } =
        [ConversationsRead, ConversationsWrite, TemplatesWrite, ChannelsWrite, WebhooksWrite, KeysManage, AuditRead, UsageRead, SettingsWrite, CustomersErase];
}
