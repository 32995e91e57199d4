using Microsoft.Extensions.Options;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Security;

namespace OmniChat.Api.Security;

/// <summary>Endpoint filters for the two admin credentials: the legacy service token (v1) and scoped API keys (v2).</summary>
internal static class AccessFilters
{
    /// <summary>v1 admin: <c>Authorization: Bearer &lt;SERVICE_TOKEN&gt;</c>, compared in constant time.</summary>
    public static TBuilder RequireServiceToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ServiceTokenMetadata()).AddEndpointFilter(async (context, next) =>
        {
            var security = context.HttpContext.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
            if (!security.IsServiceToken(context.HttpContext.Request.BearerToken()))
            {
                throw new UnauthorizedException("invalid_service_token", "The service token is missing or wrong.");
            }
            return await next(context);
        });

    /// <summary>v2: a valid API key carrying <paramref name="scope"/>; without it 403 <c>scope_missing</c> naming the scope.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScopeMetadata(scope)).AddEndpointFilter(async (context, next) =>
        {
            var key = context.HttpContext.Features.Get<ApiKeyPrincipal>()
                ?? throw new UnauthorizedException("unauthorized", "A valid API key is required.");
            if (!key.Scopes.Contains(scope))
            {
                throw new ForbiddenException("scope_missing", $"The API key lacks the scope {scope}.") { Extensions = { ["scope"] = scope } };
            }
            return await next(context);
        });
}

/// <summary>Endpoint metadata: the API-key scope <c>RequireScope</c> demands (read by the rate limiter).</summary>
internal sealed record RequiredScopeMetadata(string Scope);

/// <summary>Endpoint metadata: the endpoint takes the service token (<c>RequireServiceToken</c>; read by the rate limiter).</summary>
internal sealed record ServiceTokenMetadata;
