namespace OmniChat.Core.Audit;

/// <summary>Who performed an admin action, and in which request (written into the audit entry of the change).</summary>
public sealed record AuditActor(string Actor, string ActorType, string? RequestId)
{
    public const string ApiKeyType = "api_key";
    public const string ServiceTokenType = "service_token";
    public const string OperatorType = "operator";
    public const string UserType = "user";
    public const string SystemType = "system";
}
