using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniChat.Api.Security;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Endpoints;

/// <summary>The tenant dashboard's numbers (scope <c>usage:read</c>): <c>GET /v2/stats?from=&amp;to=</c>.</summary>
internal static class V2StatsEndpoints
{
    public static IEndpointRouteBuilder MapV2StatsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/stats", Get).WithTags("v2 stats").RequireScope(ApiScopes.UsageRead).WithName("V2GetStats")
            .WithSummary("The tenant's dashboard numbers for a range of at most 366 days (default: the last 30 days).")
            .WithDescription("""
                Conversations started in [from, to) and their first-response time (seconds from a conversation's first visitor
                message to the first agent reply; p50 and p90), conversations waiting for a reply now, Telegram and webhook
                deliveries that failed for good in the range, the Api's error answers to the tenant (4xx and 5xx) on the UTC days
                the range overlaps, and the usage of the plan's limits this month. `from` and `to` are ISO 8601 (a time without an
                offset is UTC).
                """);
        return app;
    }

    internal static async Task<Ok<StatsResponse>> Get(
        [Description("Start of the range, inclusive (ISO 8601); default: 30 days before `to`.")] string? from,
        [Description("End of the range, exclusive (ISO 8601); default: now.")] string? to,
        TenantStatistics statistics, TimeProvider time, CancellationToken cancellationToken)
    {
        var range = TenantStatistics.ParseRange(from, to, time.GetUtcNow());
        return TypedResults.Ok(StatsResponse.Of(await statistics.ReadAsync(range, cancellationToken)));
    }
}

/// <summary>The tenant's numbers for a range.</summary>
internal sealed record StatsResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    [property: Description("When the numbers were read.")] DateTimeOffset At,
    StatsConversations Conversations,
    StatsFailures Failures,
    StatsApiErrors ApiErrors,
    StatsUsage Usage)
{
    public static StatsResponse Of(TenantStatisticsReport r) => new(r.From, r.To, r.At,
        new StatsConversations(r.ConversationsStarted, r.ConversationsAnswered, new StatsPercentiles(r.FirstResponseP50Seconds, r.FirstResponseP90Seconds),
            r.UnansweredNow),
        new StatsFailures(r.TelegramFailures, r.WebhookFailures),
        new StatsApiErrors(r.ApiErrors.ClientErrors, r.ApiErrors.ServerErrors),
        new StatsUsage(r.Usage.Plan.Id, r.Usage.MonthStart, [.. r.Usage.Meters.Select(m => new StatsMeter(m.Key, m.Name, m.Used,
            m.Limit, m.Unit switch { UsageUnit.Bytes => "bytes", UsageUnit.PerMinute => "per_minute", _ => "count" },
            m is { Used: { } used, Limit: > 0 } ? Math.Round((double)used / m.Limit, 4) : null))]));
}

/// <summary>Conversations of the range.</summary>
internal sealed record StatsConversations(
    [property: Description("Conversations started in the range.")] int Started,
    [property: Description("Of those, how many have had an agent reply after a visitor message.")] int Answered,
    [property: Description("First-response time of the answered ones, in seconds.")] StatsPercentiles FirstResponseSeconds,
    [property: Description("Conversations (of any start date) not closed whose last visitor message has no reply, now.")] int UnansweredNow);

/// <summary>Percentiles in seconds; null when the range has no answered conversation.</summary>
internal sealed record StatsPercentiles(double? P50, double? P90);

/// <summary>Deliveries that failed for good in the range.</summary>
internal sealed record StatsFailures(
    [property: Description("Telegram deliveries refused for good or out of retries (by when they were created).")] int Telegram,
    [property: Description("Webhook deliveries whose retries ran out (by when they did).")] int Webhooks);

/// <summary>
/// The Api's error answers to requests that proved this tenant (API key, conversation token, widget site key, …), counted
/// per UTC day: every day the range overlaps counts whole. A request refused before it proved a tenant (a wrong API key)
/// counts for no tenant.
/// </summary>
internal sealed record StatsApiErrors(
    [property: Description("Answers with a 4xx status (validation failures, not found, refused, rate limited, …).")] long ClientErrors,
    [property: Description("Answers with a 5xx status.")] long ServerErrors);

/// <summary>The plan and its meters this month (UTC), as `GET /v2/usage` shows them.</summary>
internal sealed record StatsUsage(string Plan, DateTimeOffset PeriodStart, IReadOnlyList<StatsMeter> Meters);

/// <summary>One limit of the plan against what the tenant uses.</summary>
internal sealed record StatsMeter(
    [property: Description("The limit's stable key, as in `GET /v2/usage` (conversationsPerMonth, messagesPerMonth, agents, storageBytes, attachmentMaxBytes, apiRequestsPerMinute).")]
    string Key,
    string Name,
    [property: Description("What the tenant uses; null where the limit is checked per request and nothing adds up.")] long? Used,
    [property: Description("The plan's limit (0: none).")] long Limit,
    [property: Description("count, bytes or per_minute.")] string Unit,
    [property: Description("used / limit (1 = at the hard limit); null without both.")] double? Ratio);
