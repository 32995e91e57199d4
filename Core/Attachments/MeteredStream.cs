using System.Security.Cryptography;

namespace OmniChat.Core.Attachments;

/// <summary>
/// Reads an upload once: counts and hashes every byte as it passes, and throws <see cref="SizeLimitExceededException"/>
/// as soon as the count passes the limit, so the storage writing from it stops there.
/// </summary>
internal sealed class MeteredStream(ReadOnlyMemory<byte> prefix, Stream inner, long limit) : Stream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ReadOnlyMemory<byte> _prefix = prefix;

    public long Count { get; private set; }

    public string Sha256Hex() => Convert.ToHexStringLower(_sha256.GetHashAndReset());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = TakePrefix(buffer.Span) is var taken and > 0 ? taken : await inner.ReadAsync(buffer, cancellationToken);
        Account(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = TakePrefix(buffer.AsSpan(offset, count)) is var taken and > 0 ? taken : inner.Read(buffer, offset, count);
        Account(buffer.AsSpan(offset, read));
        return read;
    }

    // The bytes already read for sniffing come first.
    private int TakePrefix(Span<byte> buffer)
    {
        var length = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..length].CopyTo(buffer);
        _prefix = _prefix[length..];
        return length;
    }

    private void Account(ReadOnlySpan<byte> bytes)
    {
        Count += bytes.Length;
        if (Count > limit)
        {
            throw new SizeLimitExceededException();
        }
        _sha256.AppendData(bytes);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>An upload passed its size limit while it was being stored.</summary>
internal sealed class SizeLimitExceededException : IOException
{
    public SizeLimitExceededException() : base("The upload is larger than allowed.")
    {
    }

    public SizeLimitExceededException(string message) : base(message)
    {
    }

    public SizeLimitExceededException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
