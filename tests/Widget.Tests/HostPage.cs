using System.Net;
using System.Text;
using OmniChat.AppHost.Hosting;

namespace OmniChat.Widget.Tests;

/// <summary>A customer's website that is not the Api: one HTML page served at <c>http://localhost:&lt;free port&gt;/</c>.</summary>
internal sealed class HostPage : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    private HostPage(string html)
    {
        Url = $"http://localhost:{PortSet.Free().Api}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        var body = Encoding.UTF8.GetBytes(html);
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
    }

    public string Url { get; }

    public static HostPage Start(string html) => new(html);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
