using System.Diagnostics.Metrics;
using OmniChat.Core.Conversations;
using OmniChat.Core.Messaging;
using OmniChat.Core.Outbox;
using OmniChat.Core.Platform;

namespace OmniChat.Workers.Telemetry;

/// <summary>
/// The platform's gauges: outbox backlog and lag, dead letters, RabbitMQ queue depths, conversations waiting for a reply
/// per tenant, and each tenant's usage of its plan's limits. A scrape reads the last sample that
/// <see cref="PlatformGaugeSampler"/> took (never the database), so scraping costs nothing and every Workers instance
/// reports the same platform-wide numbers (aggregate them with <c>max</c>, not <c>sum</c>).
/// </summary>
internal sealed class PlatformGauges
{
    private PlatformSample _sample = PlatformSample.Empty;
    private IReadOnlyList<TenantLimitUsage> _limits = [];

    public PlatformGauges(IMeterFactory meters)
    {
        var meter = meters.Create("OmniChat.Platform");
        meter.CreateObservableGauge("omnichat.outbox.pending", () => Sample<long>(s => s.Outbox is { } o ? [new(o.Pending)] : []), "{row}",
            "Outbox rows not yet published to RabbitMQ");
        meter.CreateObservableGauge("omnichat.outbox.lag", () => Sample<double>(s => s.Outbox is { } o ? [new(o.Lag.TotalSeconds)] : []), "s",
            "Age of the oldest outbox row not yet published (0 when none waits)");
        meter.CreateObservableGauge("omnichat.dead_letters", () => Sample<long>(s => s.DeadLetters is { } d
            ? [new(d.Webhooks, new KeyValuePair<string, object?>("kind", "webhook")), new(d.Telegram, new KeyValuePair<string, object?>("kind", "telegram"))]
            : []), "{delivery}", "Deliveries whose retries ran out, by kind");
        meter.CreateObservableGauge("omnichat.rabbitmq.queue.messages", () => Sample<long>(s => [.. s.Queues.SelectMany(QueueMeasurements)]), "{message}",
            "Messages waiting in the Workers' RabbitMQ queues and their error queues");
        meter.CreateObservableGauge("omnichat.conversations.unanswered", () => Sample<long>(s => [.. s.Unanswered.Select(u =>
                new Measurement<long>(u.Value, ConversationMetrics.Tenant(u.Key)))]), "{conversation}",
            "Open conversations whose last visitor message has no reply, by tenant");
        meter.CreateObservableGauge("omnichat.tenant.limit_usage_ratio", () => Volatile.Read(ref _limits).Select(l =>
                new Measurement<double>(l.Ratio, ConversationMetrics.Tenant(l.TenantId), new KeyValuePair<string, object?>("limit", l.Limit))), "1",
            "What a tenant uses of a plan limit (1 = at the hard limit), for the limits that are counted");
    }

    /// <summary>When the last sample was taken (null before the first).</summary>
    public DateTimeOffset? SampledAt => Volatile.Read(ref _sample).At;

    public void Publish(PlatformSample sample) => Volatile.Write(ref _sample, sample);

    public void Publish(IReadOnlyList<TenantLimitUsage> limits) => Volatile.Write(ref _limits, limits);

    private IEnumerable<Measurement<T>> Sample<T>(Func<PlatformSample, IEnumerable<Measurement<T>>> read)
        where T : struct => read(Volatile.Read(ref _sample));

    private static IEnumerable<Measurement<long>> QueueMeasurements(QueueDepth queue)
    {
        if (queue.Messages is { } messages)
        {
            yield return new(messages, new KeyValuePair<string, object?>("queue", queue.Name));
        }
        yield return new(queue.ErrorMessages, new KeyValuePair<string, object?>("queue", QueueNames.ErrorQueueOf(queue.Name)));
    }
}

/// <summary>One reading of the platform (a part that could not be read is null or empty, and its gauge reports nothing).</summary>
internal sealed record PlatformSample(DateTimeOffset? At, OutboxLag? Outbox, DeadLetterCounts? DeadLetters, IReadOnlyList<QueueDepth> Queues,
    IReadOnlyDictionary<Guid, int> Unanswered)
{
    public static PlatformSample Empty { get; } = new(null, null, null, [], new Dictionary<Guid, int>());
}

/// <summary>What <see cref="TenantId"/> uses of its plan's <see cref="Limit"/> (a key such as <c>conversations_per_month</c>).</summary>
internal sealed record TenantLimitUsage(Guid TenantId, string Limit, double Ratio);
