namespace OmniChat.Core.Outbox;

/// <summary>Outbox dispatch settings (section <c>Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Outbox";

    /// <summary>The PostgreSQL channel the outbox trigger notifies after each insert.</summary>
    public const string NotifyChannel = "outbox_messages";

    /// <summary>Dispatch loops per process; each claims its own conversations, so they never publish the same row.</summary>
    public int Dispatchers { get; set; } = 2;

    /// <summary>Conversations claimed per round.</summary>
    public int PartitionsPerBatch { get; set; } = 64;

    /// <summary>Rows published per round at most.</summary>
    public int RowsPerBatch { get; set; } = 1000;

    /// <summary>Conversations published at the same time within a round (rows of one conversation go one by one, in seq order).</summary>
    public int PublishConcurrency { get; set; } = 16;

    /// <summary>How long an idle loop waits for a notification before looking anyway.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause after failed publishes (the broker is down); doubles from 100 ms.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);
}
