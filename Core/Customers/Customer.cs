using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Customers;

/// <summary>An end user of a tenant: one person, one history, across web, Telegram bot and Mini App.</summary>
public sealed class Customer : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public string? DisplayName { get; set; }

    public string? Locale { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<CustomerIdentity> Identities { get; set; } = [];
}

/// <summary>One way a customer is known: a web session, a Telegram user id (the anchor), a Mini App user, another connector.</summary>
public sealed class CustomerIdentity : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid CustomerId { get; set; }

    public IdentityKind Kind { get; set; }

    /// <summary>The id in that channel (Telegram user id, web session id, …).</summary>
    public required string ExternalId { get; set; }

    /// <summary>False while the channel cannot reach the customer (for example the bot was blocked).</summary>
    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Kinds of customer identity.</summary>
public enum IdentityKind
{
    Web,
    Telegram,
    MiniApp,
    Connector,
}
