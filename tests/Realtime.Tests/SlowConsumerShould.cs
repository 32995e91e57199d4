using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core.Realtime;
using OmniChat.Realtime.Hub;

namespace OmniChat.Realtime.Tests;

/// <summary>A socket whose peer stops reading is evicted once its bounded send queue is full, instead of growing memory.</summary>
public sealed class SlowConsumerShould
{
    [Fact]
    public async Task EvictAPeerThatStopsReadingWhenItsQueueIsFull()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new RealtimeMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var evictions = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            RealtimeMetrics.MeterName, "omnichat.realtime.evictions");
        await using var transport = new StalledStream();
        using var webSocket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var socket = new V1VisitorSocket(webSocket, new RealtimeOptions { SendQueueCapacity = 4 }, metrics, NullLogger.Instance);
        var running = socket.RunAsync();
        var message = new LiveEvent(new RealtimeEvent(RealtimeEvent.Message, Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow)
        {
            Seq = 1,
            Direction = "OUTBOUND",
            Text = new string('x', 1000),
        });

        for (var i = 0; i < 4; i++)
        {
            socket.Deliver(message);
        }
        Assert.Null(socket.ClosedWith);
        for (var i = 0; i < 4; i++)
        {
            socket.Deliver(message);
        }

        Assert.Equal(HubSocket.TryAgainLater, socket.ClosedWith);
        Assert.Equal(1, evictions.GetMeasurementSnapshot().Sum(m => m.Value));
        transport.Dispose();
        await running.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    /// <summary>A connection whose peer reads nothing and sends nothing: every write and read waits until it is closed.</summary>
    private sealed class StalledStream : Stream
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _closed.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _closed.Task.WaitAsync(cancellationToken);
            throw new IOException("closed");
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _closed.TrySetResult();
            base.Dispose(disposing);
        }
    }
}
