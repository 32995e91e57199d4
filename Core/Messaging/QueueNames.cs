namespace OmniChat.Core.Messaging;

/// <summary>
/// The RabbitMQ queues the Workers consume (their MassTransit endpoint names), shared with the operator console, which
/// reads their depths. MassTransit moves a message that failed all its retries to <c>&lt;queue&gt;_error</c> and one no
/// consumer took to <c>&lt;queue&gt;_skipped</c>.
/// </summary>
public static class QueueNames
{
    /// <summary>The webhook fan-out: domain events become webhook deliveries.</summary>
    public const string Webhooks = "omnichat-webhooks";

    /// <summary>The Telegram fan-out: domain events become Telegram deliveries.</summary>
    public const string Telegram = "omnichat-telegram";

    /// <summary>Usage metering: domain events become usage counters.</summary>
    public const string Usage = "omnichat-usage";

    /// <summary>Every consumed queue.</summary>
    public static IReadOnlyList<string> All { get; } = [Webhooks, Telegram, Usage];

    /// <summary>Where MassTransit keeps the messages of <paramref name="queue"/> that failed every retry.</summary>
    public static string ErrorQueueOf(string queue) => queue + "_error";

    /// <summary>Where MassTransit keeps the messages of <paramref name="queue"/> that no consumer took.</summary>
    public static string SkippedQueueOf(string queue) => queue + "_skipped";
}
