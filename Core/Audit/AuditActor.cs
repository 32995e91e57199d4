namespace OmniChat.Core.Audit;

/// <summary>Who performed an admin action, and in which request (written into the audit entry of the change).</summary>
public sealed record AuditActor(string Actor, string ActorType, string? RequestId)
{
    public const string ApiKeyType = "api_key";
    public const string ServiceTokenType = "service_token";
    public const string OperatorType = "operator";
    public const string UserType = "user";
    public const string SystemType = "system";
    public const string BillingType = "billing";

    private const string ApiKeyPrefix = ApiKeyType + ":";
    private const string UserPrefix = UserType + ":";
    private const string OperatorPrefix = OperatorType + ":";

    /// <summary>The actor a portal member acts as: <c>user:&lt;id&gt;</c>.</summary>
    public static AuditActor ForUser(Guid userId, string? requestId = null) => new(UserPrefix + userId, UserType, requestId);

    /// <summary>The actor a platform operator acts as: <c>operator:&lt;id&gt;</c>.</summary>
    public static AuditActor ForOperator(Guid userId, string? requestId = null) => new(OperatorPrefix + userId, OperatorType, requestId);

    /// <summary>The platform itself (scheduled work such as the billing grace sweeper): <c>system</c>.</summary>
    public static AuditActor SystemActor { get; } = new(SystemType, SystemType, null);

    /// <summary>The actor a billing provider's webhook acts as: <c>billing:&lt;provider&gt;</c>.</summary>
    public static AuditActor ForBilling(string provider, string? requestId = null) => new(BillingType + ":" + provider, BillingType, requestId);

    /// <summary>The actor an API key acts as: <c>api_key:&lt;id&gt;</c>.</summary>
    public static AuditActor ForApiKey(Guid apiKeyId, string? requestId) => new(ApiKeyPrefix + apiKeyId, ApiKeyType, requestId);

    /// <summary>The API key id in an actor written by <see cref="ForApiKey"/>, or null for any other actor.</summary>
    public static Guid? ApiKeyIdOf(string? actor) =>
        actor is not null && actor.StartsWith(ApiKeyPrefix, StringComparison.Ordinal) && Guid.TryParse(actor.AsSpan(ApiKeyPrefix.Length), out var id)
            ? id
            : null;
}
