using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Conversations;
using OmniChat.Core.Persistence;
using OmniChat.Core.Realtime;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Api.Widget;

/// <summary>A visitor's session with a conversation: the conversation token (kept in memory) and a socket ticket.</summary>
internal sealed record WidgetSessionResponse(Guid ConversationId, string Token, int ExpiresIn, string Ticket)
{
    public override string ToString() => $"WidgetSessionResponse {{ ConversationId = {ConversationId} }}";
}

/// <summary>
/// Hands a widget visitor a session: from the refresh cookie (a reload), for a verified customer's latest conversation
/// (another device), or for a conversation just started. Every way sets the next refresh token in the cookie.
/// </summary>
internal sealed class WidgetSessions(ITenantStore store, RefreshTokenRotation rotation, ConversationTokens tokens, RealtimeTickets tickets)
{
    /// <summary>
    /// Two tabs reloading at once present the same cookie: within this interval the second gets its own next token
    /// instead of revoking the family.
    /// </summary>
    private static readonly TimeSpan ReuseInterval = TimeSpan.FromSeconds(30);

    /// <summary>The cookie's conversation, or <see langword="null"/> (no cookie, or one that no longer works: it is cleared).</summary>
    public async Task<WidgetSessionResponse?> ResumeAsync(HttpContext http, TenantInfo tenant, CancellationToken cancellationToken)
    {
        if (WidgetCookie.Read(http, tenant.Id) is not { } presented)
        {
            return null;
        }
        var found = await store.FindByRefreshTokenHashAsync(RefreshTokenSecret.Hash(presented), cancellationToken);
        if (found is null || found.Tenant.Id != tenant.Id)
        {
            WidgetCookie.Clear(http, tenant.Id);
            return null;
        }
        try
        {
            var next = await rotation.RotateAsync(tenant, found.ConversationId, presented, cancellationToken, ReuseInterval);
            return await IssueAsync(http, tenant, found.ConversationId, next);
        }
        catch (Core.Errors.UnauthorizedException)
        {
            WidgetCookie.Clear(http, tenant.Id);
            return null;
        }
    }

    /// <summary>The latest conversation of a verified customer, in a new refresh-token family; null when they have none.</summary>
    public async Task<WidgetSessionResponse?> ForCustomerAsync(HttpContext http, TenantInfo tenant, OmniChatDbContext db, Guid customerId,
        CancellationToken cancellationToken)
    {
        var latest = await db.Conversations.AsNoTracking().Where(c => c.CustomerId == customerId)
            .OrderByDescending(c => c.UpdatedAt).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        return latest is { } id ? await IssueAsync(http, tenant, id, await rotation.IssueAsync(tenant, id, cancellationToken)) : null;
    }

    /// <summary>Sets <paramref name="refreshToken"/> in the cookie and hands out a conversation token and a socket ticket.</summary>
    public async Task<WidgetSessionResponse> IssueAsync(HttpContext http, TenantInfo tenant, Guid conversationId, string refreshToken)
    {
        WidgetCookie.Write(http, tenant.Id, refreshToken);
        var ticket = await tickets.IssueAsync(new RealtimeTicketGrant(RealtimeTicketGrant.Conversation, tenant.Id, conversationId, null));
        return new WidgetSessionResponse(conversationId, tokens.Issue(tenant.Id, conversationId), (int)ConversationTokens.Lifetime.TotalSeconds, ticket);
    }
}
