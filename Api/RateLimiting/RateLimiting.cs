using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Errors;
using OmniChat.Core.RateLimiting;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.RateLimiting;

/// <summary>Too many requests: 429 <c>rate_limited</c> with <c>Retry-After</c>.</summary>
internal sealed class RateLimitedException(TimeSpan retryAfter)
    : DomainException(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests; retry later.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Per client network, per tenant, per API key and per conversation limits on every API request, checked in one atomic
/// Redis call after the tenant is resolved. Only what a request has proved is charged: every request charges its
/// client's network (<see cref="ClientNetwork"/>); the tenant's and the key's buckets only when a credential was verified
/// (an API key, a conversation token, the service token; the v1 route alone names a tenant without proving anything);
/// a conversation's bucket (keyed by tenant and conversation) only for a caller allowed on that conversation, so nobody
/// who merely knows a conversation id can use up its visitor's and agents' messages.
/// </summary>
internal sealed class RateLimitingMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, RedisRateLimiter limiter, PlanCatalog plans, IOptions<RateLimitOptions> options,
        ITenantContext tenants)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/v2") && !path.StartsWithSegments("/attachments"))
        {
            await next(context);
            return;
        }

        var limits = options.Value;
        var buckets = new List<RateLimitBucket>(4)
        {
            RateLimitBucket.Refilling(ClientNetwork.BucketKey(context.Connection.RemoteIpAddress), limits.PerIpPerMinute, limits.RefillPeriod),
        };
        if (tenants.Tenant is { } tenant && IsVerified(context))
        {
            var perMinute = (await plans.GetAsync(tenant.PlanId, context.RequestAborted)).ApiRequestsPerMinute;
            buckets.Add(RateLimitBucket.Refilling($"tenant:{tenant.Id:N}", perMinute, limits.RefillPeriod));
            if (context.Features.Get<ApiKeyPrincipal>() is { } key)
            {
                buckets.Add(RateLimitBucket.Refilling($"key:{key.ApiKeyId:N}", limits.ApiKeyCapacity(perMinute), limits.RefillPeriod));
            }

            // Message endpoints also charge their conversation's bucket, in the same atomic call.
            if (context.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<ConversationRateLimitMetadata>() is not null
                && context.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var conversationId)
                && IsAllowedOn(context, endpoint, tenant, conversationId))
            {
                buckets.Add(RateLimitBucket.Refilling($"conversation:{tenant.Id:N}:{conversationId:N}", limits.PerConversationPerMinute,
                    limits.RefillPeriod));
            }
        }

        var decision = await limiter.AcquireAsync(buckets);
        if (!decision.Allowed)
        {
            throw new RateLimitedException(decision.RetryAfter);
        }
        await next(context);
    }

    private static bool IsVerified(HttpContext context) =>
        context.Features.Get<ApiKeyPrincipal>() is not null
        || context.Features.Get<ConversationPrincipal>() is not null
        || context.Features.Get<AttachmentLinkPrincipal>() is not null
        || context.Features.Get<ServiceTokenPrincipal>() is not null;

    // The same rules the endpoint applies before it writes: the visitor's own conversation token, the service token (v1
    // admin), or an API key holding every scope the endpoint demands (any conversation of its tenant; the key includes it).
    private static bool IsAllowedOn(HttpContext context, Endpoint endpoint, TenantInfo tenant, Guid conversationId)
    {
        if (context.Features.Get<ConversationPrincipal>() is { } visitor)
        {
            return visitor.TenantId == tenant.Id && visitor.ConversationId == conversationId;
        }
        if (context.Features.Get<ApiKeyPrincipal>() is { } key)
        {
            var required = endpoint.Metadata.GetOrderedMetadata<RequiredScopeMetadata>();
            return required.Count > 0 && required.All(r => key.Scopes.Contains(r.Scope));
        }
        return context.Features.Get<ServiceTokenPrincipal>() is not null && endpoint.Metadata.GetMetadata<ServiceTokenMetadata>() is not null;
    }
}

/// <summary>Endpoint metadata: this endpoint adds messages to the conversation in its <c>id</c> route value.</summary>
internal sealed class ConversationRateLimitMetadata;

/// <summary>Per-conversation message limit on the endpoints that add messages.</summary>
internal static class ConversationRateLimit
{
    /// <summary>Marks an endpoint that adds messages: <see cref="RateLimitingMiddleware"/> charges the conversation's bucket too.</summary>
    public static TBuilder RateLimitPerConversation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ConversationRateLimitMetadata());

    /// <summary>Sets <c>Retry-After</c> (whole seconds, rounded up) on a rate-limited answer.</summary>
    public static void SetRetryAfter(HttpContext context, TimeSpan retryAfter) =>
        context.Response.Headers[HeaderNames.RetryAfter] =
            Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
