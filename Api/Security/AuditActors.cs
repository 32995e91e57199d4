using OmniChat.Api.Tenancy;
using OmniChat.Core.Audit;

namespace OmniChat.Api.Security;

/// <summary>The audit identity of an admin request: its API key, or the legacy service token.</summary>
internal static class AuditActors
{
    public static AuditActor From(HttpContext http) =>
        http.Features.Get<ApiKeyPrincipal>() is { } key
            ? new AuditActor($"api_key:{key.ApiKeyId}", AuditActor.ApiKeyType, http.TraceIdentifier)
            : new AuditActor("service_token", AuditActor.ServiceTokenType, http.TraceIdentifier);
}
