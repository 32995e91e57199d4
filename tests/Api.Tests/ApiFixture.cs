using OmniChat.AppHost.Hosting;
using OmniChat.Core;
using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(OmniChat.Api.Tests.ApiFixture))]

namespace OmniChat.Api.Tests;

/// <summary>PostgreSQL, Redis and the Api service, started through the AppHost library.</summary>
public sealed class ApiFixture : ServersFixture
{
    protected override AppHostOptions Configure(AppHostOptions options) => options with
    {
        Services = [ResourceNames.Api],
        StartRabbitMq = false,
    };

    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = App.ServiceUrls[ResourceNames.Api] };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }
}
