using System.Text.Json;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Audit;

/// <summary>One admin action: who did what to which thing, when, in which request.</summary>
public sealed class AuditEntry : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>Who acted (user id, API key id, <c>system</c>).</summary>
    public required string Actor { get; set; }

    public required string ActorType { get; set; }

    /// <summary>What was done, dotted (<c>conversation.claimed</c>).</summary>
    public required string Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    public string? RequestId { get; set; }

    /// <summary>Extra details, JSON.</summary>
    public string? Details { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>
    /// An entry of <paramref name="actor"/>'s <paramref name="action"/>, to save with the change it records. Its tenant is the
    /// current one (set on save), or <paramref name="tenantId"/> when written from the system scope (an operator's action in a
    /// tenant's data).
    /// </summary>
    public static AuditEntry Create(AuditActor actor, string action, string targetType, string targetId, DateTimeOffset now,
        IReadOnlyDictionary<string, object?>? details = null, Guid? tenantId = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new AuditEntry
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenantId ?? Guid.Empty,
            Actor = actor.Actor,
            ActorType = actor.ActorType,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            RequestId = actor.RequestId,
            Details = details is null ? null : JsonSerializer.Serialize(details),
            OccurredAt = now,
        };
    }
}
