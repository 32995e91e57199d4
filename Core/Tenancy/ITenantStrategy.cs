namespace OmniChat.Core.Tenancy;

/// <summary>
/// One way of finding the tenant from verified input (Finbuckle's strategy): an API key, a conversation token claim,
/// a portal cookie claim, a Telegram webhook route plus secret, a widget site key plus Origin, or the v1 route.
/// A strategy never trusts a client-supplied tenant header or body field.
/// </summary>
public interface ITenantStrategy
{
    /// <summary>The tenant this strategy finds for <paramref name="context"/> (for HTTP, the HttpContext), or <see langword="null"/>.</summary>
    Task<TenantInfo?> ResolveAsync(object context, ITenantStore store, CancellationToken cancellationToken);
}
