using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OmniChat.Core.Events;

/// <summary>Registers the tenant event streams' shared parts in a service that serves streams (Api, Realtime).</summary>
public static class EventStreamExtensions
{
    /// <summary>Adds <see cref="TenantEventLog"/>, <see cref="TenantEventFeed"/> and <see cref="EventStreamSlots"/> with their options.</summary>
    public static IHostApplicationBuilder AddOmniChatEventStreams(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<EventStreamOptions>().BindConfiguration(EventStreamOptions.Section)
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.BufferSize > 0 && o.PageSize > 0 && o.MaxPerTenant > 0 && o.MaxPerApiKey > 0
                           && o.SlotLease >= TimeSpan.FromSeconds(3), "EventStreams settings must be positive (SlotLease at least 3 s)")
            .ValidateOnStart();
        builder.Services.AddSingleton<TenantEventLog>();
        builder.Services.AddSingleton<TenantEventFeed>();
        builder.Services.AddSingleton<EventStreamSlots>();
        return builder;
    }
}
