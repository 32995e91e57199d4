using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Attachments;

/// <summary>Attachment storage and links (section <c>Attachments</c>).</summary>
public sealed class AttachmentOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Attachments";

    /// <summary><c>filesystem</c> (default) or <c>s3</c>.</summary>
    public string Storage { get; set; } = "filesystem";

    /// <summary>
    /// The private directory of the filesystem storage. Unset: <c>.omnichat/attachments</c> in the repository the service
    /// runs from (the AppHost passes its own data directory's <c>attachments</c>).
    /// </summary>
    public string? Path { get; set; }

    /// <summary>S3-compatible storage (<c>Attachments__S3__ServiceUrl</c>, …).</summary>
    public S3AttachmentOptions S3 { get; set; } = new();

    /// <summary>
    /// Key of the download links' HMAC (at least 32 characters). Unset: derived from the conversation token secret with
    /// HKDF (ADR 0028), so every Api instance signs alike without another secret to provision.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a download link is valid.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest file at all, for plans that set no limit of their own (<c>attachment_max_bytes</c> 0).</summary>
    public long MaxBytesCeiling { get; set; } = 100L << 20;

    /// <summary>The largest file one upload may be on <paramref name="plan"/>: its own limit, or <see cref="MaxBytesCeiling"/> when it sets none.</summary>
    public long MaxBytesFor(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.AttachmentMaxBytes > 0 ? plan.AttachmentMaxBytes : MaxBytesCeiling;
    }

    /// <summary>The types a tenant accepts unless it chose its own list (<c>tenants.attachment_types</c>).</summary>
    public static IReadOnlyList<string> DefaultTypes { get; } =
        ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"];
}

/// <summary>An S3-compatible bucket (AWS S3, MinIO, Ceph, …).</summary>
public sealed class S3AttachmentOptions
{
    /// <summary>The endpoint, for example <c>http://127.0.0.1:9000</c>; unset for AWS itself (then <see cref="Region"/> decides).</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which most self-hosted servers need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Size of each part of a multipart upload (at least 5 MiB): the most an upload holds in memory.</summary>
    public int PartSize { get; set; } = 5 << 20;
}
