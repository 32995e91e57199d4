using System.Buffers;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace OmniChat.Core.Attachments;

/// <summary>
/// Attachments in an S3-compatible bucket. A file up to one part (<see cref="S3AttachmentOptions.PartSize"/>) is one
/// <c>PutObject</c>; a larger one a multipart upload, part by part, so an upload holds at most one part in memory. A
/// failed upload is aborted (its parts deleted); a single put that failed never created the object.
/// </summary>
public sealed class S3AttachmentStorage : IAttachmentStorage, IDisposable
{
    private const int MinimumPartSize = 5 << 20;
    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly int _partSize;

    public S3AttachmentStorage(S3AttachmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket, "Attachments:S3:Bucket");
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Checksums only where S3 demands them: many compatible servers do not speak the trailing-checksum encoding.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is { Length: > 0 } url)
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        _s3 = options.AccessKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
        _bucket = options.Bucket;
        _partSize = Math.Max(MinimumPartSize, options.PartSize);
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var buffer = ArrayPool<byte>.Shared.Rent(_partSize);
        string? uploadId = null;
        try
        {
            var filled = await FillAsync(content, buffer, cancellationToken);
            if (filled < _partSize)
            {
                using var single = new MemoryStream(buffer, 0, filled, writable: false);
                await _s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _bucket, Key = key, InputStream = single, AutoCloseStream = false, UseChunkEncoding = false,
                    ContentType = "application/octet-stream",
                }, cancellationToken);
                return;
            }

            uploadId = (await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = _bucket, Key = key, ContentType = "application/octet-stream",
            }, cancellationToken)).UploadId;
            var parts = new List<PartETag>();
            for (var number = 1; filled > 0; number++)
            {
                using (var part = new MemoryStream(buffer, 0, filled, writable: false))
                {
                    var uploaded = await _s3.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = _bucket, Key = key, UploadId = uploadId, PartNumber = number, InputStream = part, PartSize = filled,
                        UseChunkEncoding = false,
                    }, cancellationToken);
                    parts.Add(new PartETag(number, uploaded.ETag));
                }
                filled = await FillAsync(content, buffer, cancellationToken);
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = parts,
            }, cancellationToken);
            uploadId = null;
        }
        catch when (uploadId is not null)
        {
            // The caller's token may be what failed: the abort must still go out. The object was never completed either
            // way; a server that cannot abort keeps the parts until the bucket's lifecycle rule
            // (AbortIncompleteMultipartUpload) removes them, and the upload's own error is what the caller needs.
            try
            {
                await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId },
                    CancellationToken.None);
            }
            catch (AmazonS3Exception)
            {
            }
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_bucket, key, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _s3.DeleteObjectAsync(_bucket, key, cancellationToken);

    public void Dispose() => _s3.Dispose();

    // Reads until the buffer (one part) is full or the content ends.
    private async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < _partSize)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, _partSize - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }
}
