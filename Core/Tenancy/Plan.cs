namespace OmniChat.Core.Tenancy;

/// <summary>A commercial plan and its limits. Plans are platform-wide (not tenant-owned).</summary>
public sealed class Plan
{
    /// <summary>The plan new tenants start on.</summary>
    public const string FreeId = "free";

    /// <summary>The plan of the seeded tenants.</summary>
    public const string BusinessId = "business";

    /// <summary>The plan between the two, for a small support team.</summary>
    public const string TeamId = "team";

    /// <summary>The warning share of a metered limit unless a plan says otherwise.</summary>
    public const int DefaultSoftLimitPercent = 80;

    public required string Id { get; set; }

    public required string Name { get; set; }

    public int ConversationsPerMonth { get; set; }

    public int MessagesPerMonth { get; set; }

    public int Agents { get; set; }

    public int ApiRequestsPerMinute { get; set; }

    public long StorageBytes { get; set; }

    public long AttachmentMaxBytes { get; set; }

    /// <summary>
    /// At this share of a metered limit (conversations, messages) the tenant is warned once per period: a
    /// <c>limit.reached</c> webhook with level <c>soft</c>, an audit entry, a banner in the portal.
    /// </summary>
    public int SoftLimitPercent { get; set; } = DefaultSoftLimitPercent;

    /// <summary>The plans every database starts with.</summary>
    public static IReadOnlyList<Plan> Defaults { get; } =
    [
        new() { Id = FreeId, Name = "Free", ConversationsPerMonth = 100, MessagesPerMonth = 2_000, Agents = 2, ApiRequestsPerMinute = 60, StorageBytes = 100L << 20, AttachmentMaxBytes = 5L << 20 },
        new() { Id = TeamId, Name = "Team", ConversationsPerMonth = 2_000, MessagesPerMonth = 50_000, Agents = 10, ApiRequestsPerMinute = 600, StorageBytes = 10L << 30, AttachmentMaxBytes = 20L << 20 },
        new() { Id = BusinessId, Name = "Business", ConversationsPerMonth = 100_000, MessagesPerMonth = 5_000_000, Agents = 200, ApiRequestsPerMinute = 6_000, StorageBytes = 100L << 30, AttachmentMaxBytes = 50L << 20 },
    ];
}
