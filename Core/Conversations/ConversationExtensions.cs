using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;

namespace OmniChat.Core.Conversations;

/// <summary>Registers the conversation write path (needs persistence, Redis and the secrets).</summary>
public static class ConversationExtensions
{
    /// <summary>Adds <see cref="ConversationWriter"/>, <see cref="RefreshTokenRotation"/>, <see cref="ConversationTokens"/> and the realtime publisher.</summary>
    public static IHostApplicationBuilder AddOmniChatConversations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IRealtimePublisher, RedisRealtimePublisher>();
        builder.Services.AddSingleton<ConversationWriter>();
        builder.Services.AddSingleton<RefreshTokenRotation>();
        builder.Services.AddSingleton<ConversationTokens>();
        return builder;
    }
}
