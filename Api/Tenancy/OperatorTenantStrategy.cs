using Microsoft.Extensions.Options;
using OmniChat.Api.Endpoints;
using OmniChat.Api.Health;
using OmniChat.Api.Security;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Tenancy;

/// <summary>
/// The operator acting on a tenant it names: on the routes that allow it (<c>GET /health/deep?tenant=</c>, and
/// <c>PUT /v2/operator/tenants/{identifier}/limits</c>), the operator token (compared in constant time) resolves the
/// tenant given by identifier.
/// </summary>
internal sealed class OperatorTenantStrategy(IOptions<SecurityOptions> security) : ITenantStrategy
{
    public async Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken)
    {
        if (context is not HttpContext http)
        {
            return null;
        }
        var identifier = http.Request.Path.Equals(DeepHealthEndpoints.Path, StringComparison.Ordinal)
            ? http.Request.Query["tenant"].ToString()
            : OperatorLimitEndpoints.IdentifierIn(http.Request.Path);
        if (identifier is not { Length: > 0 and <= 100 } || !security.Value.IsOperatorToken(http.Request.BearerToken()))
        {
            return null;
        }
        return await store.FindByIdentifierAsync(identifier, cancellationToken);
    }
}
