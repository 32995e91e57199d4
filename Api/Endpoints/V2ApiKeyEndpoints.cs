using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;
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

    internal static async Task<Created<CreatedApiKeyResponse>> CreateKey(CreateApiKeyRequest? request, HttpContext http,
        OmniChatDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.Features.Get<ApiKeyPrincipal>()!;
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var name = request?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors["name"] = ["Required, 1 to 200 characters."];
        }
        var scopes = request?.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !ApiScopes.All.Contains(s)))
        {
            errors["scopes"] = [$"One or more of: {string.Join(", ", ApiScopes.All)}."];
        }
        if (request?.ExpiresAt is { } expires && expires <= now)
        {
            errors["expiresAt"] = ["Must be in the future."];
        }
        ValidationException.ThrowIfAny(errors);

        // A key passes on at most what it holds: its scopes, for no longer than it lives itself.
        if (scopes.Except(caller.Scopes).ToList() is { Count: > 0 } beyond)
        {
            throw new ForbiddenException("scope_not_held", "A key cannot grant scopes it does not hold.") { Extensions = { ["scopes"] = beyond } };
        }
        if (caller.ExpiresAt is { } callerExpires && (request!.ExpiresAt is not { } requested || requested > callerExpires))
        {
            throw new ForbiddenException("expiry_beyond_caller", "A key cannot create a key that outlives it; set expiresAt at or before the caller's.")
            {
                Extensions = { ["maxExpiresAt"] = callerExpires },
            };
        }

        var secret = ApiKeySecret.Generate("live");
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(now),
            Name = name!,
            Prefix = ApiKeySecret.Prefix(secret),
            Hash = ApiKeySecret.Hash(secret),
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = request!.ExpiresAt,
        };
        db.ApiKeys.Add(key);
        db.AuditEntries.Add(AuditActors.Entry(http, "api_key.created", "api_key", key.Id.ToString(), now));
        await db.SaveChangesAsync(cancellationToken);
        var shown = ApiKeyResponse.From(key);
        return TypedResults.Created($"/v2/api-keys/{key.Id}", new CreatedApiKeyResponse(shown.Id, shown.Name, shown.Prefix, shown.Scopes,
            shown.CreatedAt, shown.ExpiresAt, secret));
    }

    internal static async Task<Ok<ApiKeyListResponse>> ListKeys(OmniChatDbContext db, CancellationToken cancellationToken)
    {
        var keys = await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(new ApiKeyListResponse([.. keys.Select(ApiKeyResponse.From)]));
    }

    internal static async Task<NoContent> RevokeKey(Guid id, HttpContext http, OmniChatDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException("api_key_not_found", "The API key does not exist.");
        var caller = http.Features.Get<ApiKeyPrincipal>()!;
        if (key.Scopes.Except(caller.Scopes).ToList() is { Count: > 0 } broader)
        {
            throw new ForbiddenException("key_broader_than_caller", "A key cannot revoke a key with scopes it does not hold itself.")
            {
                Extensions = { ["scopes"] = broader },
            };
        }
        if (key.RevokedAt is null)
        {
            var now = time.GetUtcNow();
            key.RevokedAt = now;
            db.AuditEntries.Add(AuditActors.Entry(http, "api_key.revoked", "api_key", key.Id.ToString(), now));
            await db.SaveChangesAsync(cancellationToken);
        }
        return TypedResults.NoContent();
    }
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
