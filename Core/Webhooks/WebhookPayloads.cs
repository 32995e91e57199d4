using System.Text.Json.Serialization;

namespace OmniChat.Core.Webhooks;

/// <summary>
/// The body of every webhook delivery: <c>{"id","type","tenantId","occurredAt","data"}</c>. <see cref="WebhookEvents"/>
/// serialises exactly these records, and the OpenAPI document's <c>webhooks</c> are generated from them.
/// </summary>
/// <param name="Id">The event id, also the <c>OmniChat-Event-Id</c> header: the same on every attempt; deduplicate on it.</param>
/// <param name="Type">The event type (<c>message.added</c>, …).</param>
/// <param name="TenantId">The tenant whose event it is.</param>
/// <param name="OccurredAt">When the event happened.</param>
/// <param name="Data">The event's own fields.</param>
public sealed record WebhookDelivery<TData>(Guid Id, string Type, Guid TenantId, DateTimeOffset OccurredAt, TData Data);

/// <summary><c>conversation.started</c>: a visitor (or an integration) started a conversation.</summary>
public sealed record ConversationStartedData(Guid ConversationId, string? Name, string? Locale, string Channel);

/// <summary><c>message.added</c>: the conversation id and the message as the API returns it.</summary>
public sealed record MessageAddedData(Guid ConversationId, WebhookMessage Message);

/// <summary>
/// A message in a <c>message.added</c> delivery; <c>agent</c> is left out of visitor messages, <c>attachments</c> out of
/// messages without uploaded files (fetch one with <c>GET /v2/conversations/{id}/attachments/{attachmentId}</c>).
/// </summary>
public sealed record WebhookMessage(Guid Id, long Seq, string Direction, string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Attachments.AttachmentDescriptor>? Attachments = null);

/// <summary><c>conversation.claimed</c>: an agent took the conversation.</summary>
public sealed record ConversationClaimedData(Guid ConversationId, string Agent, long Seq);

/// <summary><c>conversation.released</c>: the conversation is nobody's again (<c>agent</c>: who held it, if known).</summary>
public sealed record ConversationReleasedData(Guid ConversationId, string? Agent, long Seq);

/// <summary><c>conversation.renamed</c>: the conversation's new name.</summary>
public sealed record ConversationRenamedData(Guid ConversationId, string Name, long Seq);

/// <summary><c>conversation.closed</c>: the conversation was closed (<c>closedBy</c>: the agent, or null).</summary>
public sealed record ConversationClosedData(Guid ConversationId, string? ClosedBy, long Seq);
