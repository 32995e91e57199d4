using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OmniChat.Core.Caching;
using OmniChat.Core.Events;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;
using OmniChat.Realtime.Hub;

namespace OmniChat.Realtime.Extensions;

internal static class Extensions
{
    // The hub verifies conversation tokens and tickets, replays missed events from PostgreSQL (as the application role,
    // tenant set per query) and fans out through Redis pub/sub.
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence();
        builder.AddOmniChatRedis();
        builder.AddOmniChatSecrets(requireServiceToken: false);
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section)
            .Validate(o => o.MaxFrameBytes > 0 && o.SendQueueCapacity > 0 && o.MaxConnectionsPerConversation > 0 && o.MaxConnectionsPerIp > 0,
                "Realtime limits must be positive")
            .Validate(o => o.TypingInterval >= TimeSpan.Zero && o.ReadInterval >= TimeSpan.Zero && o.ResumeInterval >= TimeSpan.Zero,
                "Realtime signal intervals must not be negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<ConversationTokens>();
        builder.Services.AddSingleton<RealtimeTickets>();
        builder.Services.AddSingleton<ConversationEventLog>();
        builder.AddOmniChatEventStreams();
        builder.Services.AddSingleton<IRealtimePublisher, RedisRealtimePublisher>();
        builder.Services.AddSingleton<RealtimeMetrics>();
        builder.Services.AddSingleton<RedisFanOut>();
        builder.Services.AddSingleton<ConnectionLimits>();
        builder.Services.AddSingleton<SocketRegistry>();
        builder.Services.AddSingleton<OriginPolicy>();
        builder.Services.AddSingleton<HubServices>();
        builder.Services.AddSingleton<HubHandshakes>();
        builder.Services.AddSingleton<ConnectionHandshake>();
        // Every endpoint Kestrel listens on (including those from ASPNETCORE_URLS) first offers its connections to the
        // connection-level handshake, which hands what is not a visitor socket on to HTTP.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RealtimeOptions>>((kestrel, realtime) =>
        {
            if (realtime.Value.AcceptAtConnectionLevel)
            {
                kestrel.ConfigureEndpointDefaults(listen =>
                {
                    var handshake = listen.ApplicationServices.GetRequiredService<ConnectionHandshake>();
                    listen.Use(next => connection => handshake.HandleAsync(connection, next));
                });
            }
        });
    }

    public static void UseHub(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapHubEndpoints();
        // Draining: every socket is told to reconnect (1012) before the server stops; clients resume on another instance.
        var registry = app.Services.GetRequiredService<SocketRegistry>();
        app.Lifetime.ApplicationStopping.Register(registry.CloseAll);
    }
}
