using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Identity;
using Required = System.ComponentModel.DataAnnotations.RequiredAttribute;

namespace OmniChat.Api.Endpoints;

/// <summary>API keys of the tenant (scope <c>keys:manage</c>). The secret is shown once, at creation.</summary>
internal static class V2ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapV2ApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/api-keys").WithTags("v2 API keys").RequireScope(ApiScopes.KeysManage);
        group.MapPost("/", CreateKey).WithName("V2CreateApiKey")
            .WithSummary("Create a key with some of the caller's scopes (else 403 scope_not_held), expiring no later than the caller "
                + "(else 403 expiry_beyond_caller); the key is in the answer once and never again.")
            .Problems(ProblemCodes.ScopeNotHeld, ProblemCodes.ExpiryBeyondCaller);
        group.MapGet("/", ListKeys).WithName("V2ListApiKeys").WithSummary("Keys, masked (prefix only), with expiry, revocation and last use.");
        group.MapDelete("/{id:guid}", RevokeKey).WithName("V2RevokeApiKey")
            .WithSummary("Revoke a key; it stops working at once. A key cannot revoke one holding scopes it lacks (403 key_broader_than_caller).")
            .Problems(ProblemCodes.ApiKeyNotFound, ProblemCodes.KeyBroaderThanCaller);
        return app;
    }

    internal static async Task<Created<CreatedApiKeyResponse>> CreateKey(CreateApiKeyRequest? request, HttpContext http, ApiKeys keys,
        CancellationToken cancellationToken)
    {
        var created = await keys.CreateAsync(new NewApiKey(request?.Name, request?.Scopes, request?.ExpiresAt), Grantor(http),
            AuditActors.From(http), cancellationToken);
        var shown = ApiKeyResponse.From(created.Key);
        return TypedResults.Created($"/v2/api-keys/{shown.Id}", new CreatedApiKeyResponse(shown.Id, shown.Name, shown.Prefix, shown.Scopes,
            shown.CreatedAt, shown.ExpiresAt, created.Secret));
    }

    internal static async Task<Ok<ApiKeyListResponse>> ListKeys(ApiKeys keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ApiKeyListResponse([.. (await keys.ListAsync(cancellationToken)).Select(ApiKeyResponse.From)]));

    internal static async Task<NoContent> RevokeKey(Guid id, HttpContext http, ApiKeys keys, CancellationToken cancellationToken)
    {
        await keys.RevokeAsync(id, Grantor(http), AuditActors.From(http), cancellationToken);
        return TypedResults.NoContent();
    }

    // The calling key bounds what it hands out or revokes: its own scopes, its own lifetime.
    private static ApiKeyGrantor Grantor(HttpContext http) =>
        http.Features.Get<ApiKeyPrincipal>() is { } caller ? new ApiKeyGrantor(caller.Scopes, caller.ExpiresAt) : throw new InvalidOperationException("No calling API key.");
}

public sealed record CreateApiKeyRequest([property: Required] string? Name, [property: Required] IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKey key) =>
        new(key.Id, key.Name, key.Prefix + "…", key.Scopes, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt);
}

public sealed record CreatedApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, string Key);

public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> Keys);
