using OmniChat.Core.Caching;
using OmniChat.Core.Persistence;

namespace OmniChat.Realtime.Extensions;

internal static class Extensions
{
    // The hub reads missed events from PostgreSQL (resume) and fans out through Redis pub/sub.
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOmniChatPersistence();
        builder.AddOmniChatRedis();
    }
}
