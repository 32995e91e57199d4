namespace OmniChat.AdminPortal.Components.Pages.Channels;

/// <summary>One piece of database work at a time for the channel cards, which share the circuit's DbContext.</summary>
public sealed class ChannelWork : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync();
        try
        {
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RunAsync(Func<Task> work) => RunAsync(async () =>
    {
        await work();
        return true;
    });

    public void Dispose() => _gate.Dispose();
}
