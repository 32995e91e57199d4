using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;

namespace OmniChat.Api.Endpoints;

/// <summary>API keys of the tenant (scope <c>keys:manage</c>). The secret is shown once, at creation.</summary>
internal static class V2ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapV2ApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/api-keys").WithTags("v2 API keys").RequireScope(ApiScopes.KeysManage);
        group.MapPost("/", CreateKey).WithName("V2CreateApiKey")
            .WithSummary("Create a key with some of the caller's scopes; the key is in the answer once and never again.");
        group.MapGet("/", ListKeys).WithName("V2ListApiKeys").WithSummary("Keys, masked (prefix only), with expiry, revocation and last use.");
        group.MapDelete("/{id:guid}", RevokeKey).WithName("V2RevokeApiKey").WithSummary("Revoke a key; it stops working at once.");
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
        else if (scopes.Except(caller.Scopes).ToList() is { Count: > 0 } beyond)
        {
            errors["scopes"] = [$"A key cannot grant scopes it does not have: {string.Join(", ", beyond)}."];
        }
        if (request?.ExpiresAt is { } expires && expires <= now)
        {
            errors["expiresAt"] = ["Must be in the future."];
        }
        ValidationException.ThrowIfAny(errors);

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

public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKey key) =>
        new(key.Id, key.Name, key.Prefix + "…", key.Scopes, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt);
}

public sealed record CreatedApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, string Key);

public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> Keys);
