using OmniChat.Api.Tenancy;
using OmniChat.Core.Audit;

namespace OmniChat.Api.Security;

/// <summary>The audit identity of an admin request: its API key, or the legacy service token.</summary>
internal static class AuditActors
{
    public static AuditActor From(HttpContext http) =>
        http.Features.Get<ApiKeyPrincipal>() is { } key
            ? AuditActor.ForApiKey(key.ApiKeyId, http.TraceIdentifier)
            : new AuditActor("service_token", AuditActor.ServiceTokenType, http.TraceIdentifier);

    /// <summary>An audit entry of this request's actor, to save with the change it records.</summary>
    public static AuditEntry Entry(HttpContext http, string action, string targetType, string targetId, DateTimeOffset now) =>
        AuditEntry.Create(From(http), action, targetType, targetId, now);
}
