using System.Security.Authentication;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Messaging;

/// <summary>
/// Registers MassTransit over RabbitMQ (<c>ConnectionStrings:rabbitmq</c>, an <c>amqp://</c> URI, or <c>amqps://</c> for TLS)
/// in a service.
/// </summary>
public static class MessagingExtensions
{
    /// <summary>
    /// Adds MassTransit on RabbitMQ with publisher confirms; <paramref name="configure"/> adds consumers.
    /// MassTransit's bus health check is tagged <c>ready</c>, so <c>/ready</c> fails while RabbitMQ is unreachable.
    /// </summary>
    public static IHostApplicationBuilder AddOmniChatMessaging(this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRequiredConnectionString(ResourceNames.RabbitMq, "RABBITMQ_URL");
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.RabbitMq);

        builder.Services.AddMassTransit(bus =>
        {
            configure?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                if (!string.IsNullOrWhiteSpace(connectionString))
                {
                    var amqp = AmqpAddress.Parse(connectionString);
                    rabbit.Host(amqp.Host, amqp.Port, amqp.VirtualHost, host =>
                    {
                        host.Username(amqp.User);
                        host.Password(amqp.Password);
                        host.PublisherConfirmation = true;
                        if (amqp.UseTls)
                        {
                            // The broker's certificate is validated against the host name of the URI (no policy errors allowed).
                            host.UseSsl(ssl =>
                            {
                                ssl.ServerName = amqp.Host;
                                ssl.Protocol = SslProtocols.Tls12 | SslProtocols.Tls13;
                            });
                        }
                    });
                }
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        return builder;
    }
}

/// <summary>The parts of an <c>amqp://user:pass@host:port/vhost</c> URI; <c>amqps://</c> means TLS (<see cref="UseTls"/>).</summary>
public sealed record AmqpAddress(string Host, ushort Port, string VirtualHost, string User, string Password, bool UseTls = false)
{
    /// <summary>
    /// Parses an AMQP URI; the default port is 5672 (5671 for <c>amqps</c>) and the default virtual host <c>/</c>.
    /// Anything but <c>amqp</c>, <c>amqps</c> and <c>rabbitmq</c> is refused, so a TLS intent is never dropped silently.
    /// </summary>
    public static AmqpAddress Parse(string uri)
    {
        var parsed = new Uri(uri);
        if (parsed.Scheme is not ("amqp" or "amqps" or "rabbitmq"))
        {
            throw new FormatException("The RabbitMQ connection string must be an amqp:// (or amqps:// for TLS) URI.");
        }
        var tls = parsed.Scheme == "amqps";
        var userInfo = parsed.UserInfo.Split(':', 2);
        var vhost = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        return new AmqpAddress(
            parsed.Host,
            (ushort)(parsed.IsDefaultPort || parsed.Port <= 0 ? (tls ? 5671 : 5672) : parsed.Port),
            vhost.Length == 0 ? "/" : vhost,
            Uri.UnescapeDataString(userInfo[0]) is { Length: > 0 } user ? user : "guest",
            userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : "guest",
            tls);
    }
}
