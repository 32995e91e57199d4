using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;

namespace OmniChat.Core.Conversations;

/// <summary>Registers the conversation write path (needs persistence, Redis and the secrets).</summary>
public static class ConversationExtensions
{
    /// <summary>Adds <see cref="ConversationWriter"/>, <see cref="RefreshTokenRotation"/>, <see cref="ConversationTokens"/>, the realtime
    /// publisher, realtime tickets and the conversation event log.</summary>
    public static IHostApplicationBuilder AddOmniChatConversations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IRealtimePublisher, RedisRealtimePublisher>();
        builder.Services.AddSingleton<ConversationWriter>();
        builder.Services.AddSingleton<RefreshTokenRotation>();
        builder.Services.AddSingleton<ConversationTokens>();
        builder.Services.AddSingleton<RealtimeTickets>();
        builder.Services.AddSingleton<ConversationEventLog>();
        return builder;
    }
}
