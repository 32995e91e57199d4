using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OmniChat.Core.Security;

/// <summary>
/// Conversation tokens: HS256-only JWTs (issuer, audience, expiry ≤ 15 minutes) naming one tenant and one conversation,
/// signed with <c>CONVERSATION_JWT_SECRET</c> and never with the service token. <c>alg: none</c>, other algorithms,
/// other keys, expired or not-yet-valid tokens are all refused.
/// </summary>
public sealed class ConversationTokens
{
    /// <summary>Token issuer.</summary>
    public const string Issuer = "omnichat";

    /// <summary>Token audience.</summary>
    public const string Audience = "omnichat-conversation";

    /// <summary>Lifetime of a conversation token.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private const string TenantClaim = "tid";
    private const string ConversationClaim = "cid";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey _key;
    private readonly TimeProvider _time;

    public ConversationTokens(IOptions<SecurityOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var secret = options.Value.ConversationJwtSecret
            ?? throw new InvalidOperationException("CONVERSATION_JWT_SECRET is not configured.");
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        _time = time;
    }

    /// <summary>A token for <paramref name="conversationId"/> of <paramref name="tenantId"/>, valid for <see cref="Lifetime"/>.</summary>
    public string Issue(Guid tenantId, Guid conversationId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = new Dictionary<string, object>
            {
                [TenantClaim] = tenantId.ToString(),
                [ConversationClaim] = conversationId.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The tenant and conversation of a valid token, or <see langword="null"/> for anything else.</summary>
    public async Task<ConversationTokenClaims?> ValidateAsync(string token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return null;
        }
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = _time.GetUtcNow().UtcDateTime;
                return expires is { } e && now < e.AddSeconds(30) && (notBefore is null || notBefore <= now.AddSeconds(30));
            },
        });
        if (!result.IsValid
            || !Guid.TryParse(result.ClaimsIdentity.FindFirst(TenantClaim)?.Value, out var tenantId)
            || !Guid.TryParse(result.ClaimsIdentity.FindFirst(ConversationClaim)?.Value, out var conversationId))
        {
            return null;
        }
        return new ConversationTokenClaims(tenantId, conversationId);
    }
}

/// <summary>What a valid conversation token grants.</summary>
public sealed record ConversationTokenClaims(Guid TenantId, Guid ConversationId);

/// <summary>Opaque refresh tokens: random, shown once, stored as SHA-256.</summary>
public static class RefreshTokenSecret
{
    /// <summary>A new random refresh token.</summary>
    public static string Generate() =>
        Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored hash of <paramref name="token"/>.</summary>
    public static byte[] Hash(string token) =>
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""));
}

