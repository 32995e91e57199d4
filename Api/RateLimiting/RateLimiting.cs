using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
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
/// Per client IP, per tenant and per API key limits on every API request (the tenant's plan sets the last two),
/// checked in one atomic Redis call after the tenant is resolved.
/// </summary>
internal sealed class RateLimitingMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, RedisRateLimiter limiter, PlanCatalog plans, IOptions<RateLimitOptions> options,
        ITenantContext tenants)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/v2"))
        {
            await next(context);
            return;
        }

        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var buckets = new List<RateLimitBucket> { new($"ip:{ip}", options.Value.PerIpPerMinute, options.Value.PerIpPerMinute) };
        if (tenants.Tenant is { } tenant)
        {
            var perMinute = (await plans.GetAsync(tenant.PlanId, context.RequestAborted)).ApiRequestsPerMinute;
            buckets.Add(new RateLimitBucket($"tenant:{tenant.Id:N}", perMinute, perMinute));
            if (context.Features.Get<ApiKeyPrincipal>() is { } key)
            {
                buckets.Add(new RateLimitBucket($"key:{key.ApiKeyId:N}", perMinute, perMinute));
            }
        }

        // Message endpoints also charge their conversation's bucket, in the same atomic call.
        if (context.GetEndpoint()?.Metadata.GetMetadata<ConversationRateLimitMetadata>() is not null
            && context.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var conversationId))
        {
            var perConversation = options.Value.PerConversationPerMinute;
            buckets.Add(new RateLimitBucket($"conversation:{conversationId:N}", perConversation, perConversation));
        }

        var decision = await limiter.AcquireAsync(buckets);
        if (!decision.Allowed)
        {
            throw new RateLimitedException(decision.RetryAfter);
        }
        await next(context);
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
