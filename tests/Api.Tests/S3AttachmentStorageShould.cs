using OmniChat.Core.Attachments;

namespace OmniChat.Api.Tests;

/// <summary>The S3 attachment storage against a real S3-compatible server (s3rver): single puts, multipart uploads, aborts.</summary>
public sealed class S3AttachmentStorageShould(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private const int PartSize = 5 << 20;
    private readonly S3AttachmentStorage _storage = new(new S3AttachmentOptions
    {
        ServiceUrl = s3.ServiceUrl.ToString(),
        Bucket = S3rverFixture.Bucket,
        AccessKey = S3rverFixture.AccessKey,
        SecretKey = S3rverFixture.SecretKey,
        ForcePathStyle = true,
        PartSize = PartSize,
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _storage.Dispose();

    private static byte[] Bytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private async Task<byte[]?> ReadAsync(string key)
    {
        await using var stream = await _storage.OpenReadAsync(key, Ct);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(2 * PartSize + 12_345)]
    public async Task StoreReadAndDeleteAFileOfAnySize(int size)
    {
        var key = $"{Guid.NewGuid():N}/{Guid.NewGuid():N}";
        var bytes = Bytes(size);

        // A stream that is not seekable and says nothing of its length, as an upload's body is.
        await _storage.WriteAsync(key, new OneWayStream(new MemoryStream(bytes), failAfter: null), Ct);
        var read = await ReadAsync(key);
        await _storage.DeleteAsync(key, Ct);

        Assert.Equal(bytes, read);
        Assert.Null(await ReadAsync(key));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(PartSize + 1_000)]
    public async Task LeaveNothingWhenTheUploadFailsMidway(int failAfter)
    {
        var key = $"{Guid.NewGuid():N}/{Guid.NewGuid():N}";

        await Assert.ThrowsAsync<IOException>(() =>
            _storage.WriteAsync(key, new OneWayStream(new MemoryStream(Bytes(3 * PartSize)), failAfter), Ct));

        Assert.Null(await ReadAsync(key));
    }

    /// <summary>Reads forward only, and throws once <c>failAfter</c> bytes have passed (as the size limit does).</summary>
    private sealed class OneWayStream(Stream inner, long? failAfter) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            _read += read;
            if (_read > failAfter)
            {
                throw new IOException("The upload broke off.");
            }
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
