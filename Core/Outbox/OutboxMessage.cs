using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Outbox;

/// <summary>
/// A side effect or domain event written in the same transaction as the change that caused it, and published to
/// RabbitMQ by the outbox dispatcher after commit.
/// </summary>
public sealed class OutboxMessage : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>The contract type name.</summary>
    public required string MessageType { get; set; }

    /// <summary>The contract serialised as JSON.</summary>
    public required string Payload { get; set; }

    /// <summary>Ordering key (the conversation id): rows with one key are published in <see cref="Seq"/> order.</summary>
    public Guid? PartitionKey { get; set; }

    public long? Seq { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset AvailableAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
